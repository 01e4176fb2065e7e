package archlab.sandbox.lang;

import java.util.List;

/**
 * The syntax tree of a definition file. Positions are carried for error messages but do not take part
 * in equality: two trees are equal when they say the same thing, wherever it was written.
 */
public final class Ast {
    private Ast() {
    }

    /** A 1-based line and column. Equal to every other position (see the class comment). */
    public record Pos(int line, int col) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Pos;
        }

        @Override
        public int hashCode() {
            return 0;
        }

        @Override
        public String toString() {
            return line + ":" + col;
        }
    }

    public sealed interface Expr permits Num, Bool, Name, Call, Binary, Unary, Tuple {
        Pos pos();
    }

    /** A numeric literal; {@code integer} when written without a fraction or exponent. */
    public record Num(double value, boolean integer, Pos pos) implements Expr {
    }

    public record Bool(boolean value, Pos pos) implements Expr {
    }

    public record Name(String id, Pos pos) implements Expr {
    }

    public record KwArg(String name, Expr value, Pos pos) {
    }

    /** A call of a primitive, a block, {@code repeat} or {@code scan}. */
    public record Call(String callee, List<Expr> args, List<KwArg> kwargs, Pos pos) implements Expr {
        public Call {
            args = List.copyOf(args);
            kwargs = List.copyOf(kwargs);
        }
    }

    /** {@code op} is one of {@code + - * / // @ **}. */
    public record Binary(String op, Expr left, Expr right, Pos pos) implements Expr {
    }

    /** Unary minus, the only prefix operator. */
    public record Unary(String op, Expr operand, Pos pos) implements Expr {
    }

    public record Tuple(List<Expr> items, Pos pos) implements Expr {
        public Tuple {
            items = List.copyOf(items);
        }
    }

    public sealed interface Stmt permits Assign, Return {
        Pos pos();
    }

    /** {@code a = e} or {@code a, b = e}. */
    public record Assign(List<Name> targets, Expr value, Pos pos) implements Stmt {
        public Assign {
            targets = List.copyOf(targets);
        }
    }

    public record Return(List<Expr> values, Pos pos) implements Stmt {
        public Return {
            values = List.copyOf(values);
        }
    }

    public record Param(String name, Expr value, Pos pos) {
    }

    /** A block argument; {@code defaultValue} is null when the argument is required. */
    public record Arg(String name, Expr defaultValue, Pos pos) {
    }

    /** A {@code block}, or the {@code model} (whose name is {@code model}, a keyword no block can take). */
    public record Block(String name, List<Arg> args, List<Stmt> body, Pos pos) {
        public Block {
            args = List.copyOf(args);
            body = List.copyOf(body);
        }
    }

    /**
     * One file. {@code arch} and {@code model} are null in a library file, which holds only blocks.
     */
    public record Program(String arch, List<Param> params, List<Block> blocks, Block model) {
        public Program {
            params = List.copyOf(params);
            blocks = List.copyOf(blocks);
        }
    }
}
