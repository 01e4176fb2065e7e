package archlab.sandbox.lang;

import archlab.sandbox.lang.Ast.Arg;
import archlab.sandbox.lang.Ast.Assign;
import archlab.sandbox.lang.Ast.Binary;
import archlab.sandbox.lang.Ast.Block;
import archlab.sandbox.lang.Ast.Bool;
import archlab.sandbox.lang.Ast.Call;
import archlab.sandbox.lang.Ast.Expr;
import archlab.sandbox.lang.Ast.KwArg;
import archlab.sandbox.lang.Ast.Name;
import archlab.sandbox.lang.Ast.Num;
import archlab.sandbox.lang.Ast.Param;
import archlab.sandbox.lang.Ast.Pos;
import archlab.sandbox.lang.Ast.Program;
import archlab.sandbox.lang.Ast.Return;
import archlab.sandbox.lang.Ast.Stmt;
import archlab.sandbox.lang.Ast.Tuple;
import archlab.sandbox.lang.Ast.Unary;
import java.util.ArrayList;
import java.util.List;

/**
 * A recursive-descent parser. It stops at the first syntax error and says what it expected there;
 * the checker then reports every semantic error it can find.
 */
public final class Parser {
    /** Deeper nesting than this is certainly not a model and would exhaust the stack. */
    static final int MAX_NESTING = 200;
    private static final java.util.Set<String> PYTHON_STATEMENTS = java.util.Set.of("import", "from", "def", "class",
            "for", "while", "if", "else", "elif", "lambda", "with", "try", "except", "print", "pass", "global");

    private final List<Token> tokens;
    private final String file;
    /** The depth of each expression tree built so far; everything that walks a tree recurses on it. */
    private final java.util.IdentityHashMap<Expr, Integer> depths = new java.util.IdentityHashMap<>();
    private int at;
    private int nesting;

    private Parser(List<Token> tokens, String file) {
        this.tokens = tokens;
        this.file = file;
    }

    /** Parses a full definition: optional {@code arch}, params, blocks and exactly one {@code model}. */
    public static Program parse(String source, String file) throws DefinitionException {
        Program program = parseAny(source, file);
        if (program.model() == null) {
            throw new DefinitionException(Diagnostic.error("missing-model", file, 1, 1,
                    "the file has no 'model(tokens):' section; a definition needs one"));
        }
        return program;
    }

    /** Parses a library file: blocks only. */
    public static Program parseLibrary(String source, String file) throws DefinitionException {
        Program program = parseAny(source, file);
        if (program.model() != null || program.arch() != null || !program.params().isEmpty()) {
            throw new DefinitionException(Diagnostic.error("syntax", file, 1, 1,
                    "a library file holds only blocks: no arch, param or model"));
        }
        return program;
    }

    static Program parseAny(String source, String file) throws DefinitionException {
        return new Parser(Lexer.tokenize(source, file), file).program();
    }

    private Program program() throws DefinitionException {
        String arch = null;
        List<Param> params = new ArrayList<>();
        List<Block> blocks = new ArrayList<>();
        Block model = null;
        if (isKeyword("arch")) {
            next();
            arch = expectName("a name for the architecture after 'arch'").id();
            expectNewline();
        }
        while (peek().kind() != Token.Kind.EOF) {
            Token t = peek();
            if (isKeyword("param")) {
                next();
                Name name = expectName("a parameter name after 'param'");
                expectOp("=", "'=' after the parameter name");
                Expr value = expression();
                expectNewline();
                params.add(new Param(name.id(), value, name.pos()));
            } else if (isKeyword("block")) {
                next();
                Name name = expectName("a block name after 'block'");
                blocks.add(blockRest(name.id(), pos(t)));
            } else if (isKeyword("model")) {
                next();
                if (model != null) {
                    throw error(t, "a second 'model' section; a definition has exactly one");
                }
                model = blockRest("model", pos(t));
                if (model.args().size() != 1 || model.args().get(0).defaultValue() != null) {
                    throw error(t, "'model' takes exactly one argument, the token ids, as in 'model(tokens):'");
                }
            } else if (isKeyword("arch")) {
                throw error(t, "'arch' must be the first line of the file");
            } else if (t.kind() == Token.Kind.INDENT) {
                throw error(t, "unexpected indentation at the top level");
            } else {
                throw error(t, "expected 'param', 'block' or 'model' at the top level, found " + t.describe());
            }
        }
        return new Program(arch, params, blocks, model);
    }

    private Block blockRest(String name, Pos pos) throws DefinitionException {
        expectOp("(", "'(' to open the argument list");
        List<Arg> args = new ArrayList<>();
        if (!isOp(")")) {
            do {
                Name arg = expectName("an argument name");
                Expr def = null;
                if (isOp("=")) {
                    next();
                    def = expression();
                } else if (!args.isEmpty() && args.get(args.size() - 1).defaultValue() != null) {
                    throw error(tokens.get(at - 1), "argument '" + arg.id()
                            + "' has no default but follows one that has; put required arguments first");
                }
                args.add(new Arg(arg.id(), def, arg.pos()));
            } while (acceptOp(","));
        }
        expectOp(")", "')' or ',' in the argument list");
        expectOp(":", "':' after the argument list");
        expectNewline();
        Token indent = peek();
        if (indent.kind() != Token.Kind.INDENT) {
            throw error(indent, "expected an indented body for '" + name + "', found " + indent.describe());
        }
        next();
        List<Stmt> body = new ArrayList<>();
        while (peek().kind() != Token.Kind.DEDENT && peek().kind() != Token.Kind.EOF) {
            body.add(statement());
        }
        next();
        return new Block(name, args, body, pos);
    }

    private Stmt statement() throws DefinitionException {
        Token t = peek();
        if (isKeyword("return")) {
            next();
            List<Expr> values = new ArrayList<>();
            values.add(expression());
            while (acceptOp(",")) {
                values.add(expression());
            }
            expectNewline();
            return new Return(values, pos(t));
        }
        if (t.kind() == Token.Kind.INDENT) {
            throw error(t, "unexpected indentation; statements of one block line up");
        }
        if (t.kind() == Token.Kind.KEYWORD) {
            throw error(t, "expected a statement ('name = expression' or 'return ...'), found " + t.describe()
                    + (t.text().equals("block") || t.text().equals("param") ? "; blocks and params are not nested"
                    : ""));
        }
        List<Name> targets = new ArrayList<>();
        targets.add(expectName("a statement: 'name = expression' or 'return ...'"));
        while (acceptOp(",")) {
            targets.add(expectName("another name to unpack into"));
        }
        Token eq = peek();
        String first = targets.get(0).id();
        if (!isOp("=") && targets.size() == 1 && PYTHON_STATEMENTS.contains(first)) {
            throw error(tokens.get(at - 1), "Python's '" + first + "' is not part of the language: a definition "
                    + "has only 'name = expression' and 'return' statements, with no imports, loops or conditionals");
        }
        if (!isOp("=")) {
            throw error(eq, "expected '=' after '" + targets.get(targets.size() - 1).id() + "', found "
                    + eq.describe() + "; every statement assigns a value or returns");
        }
        next();
        Expr value = expression();
        expectNewline();
        return new Assign(targets, value, pos(t));
    }

    private Expr expression() throws DefinitionException {
        if (++nesting > MAX_NESTING) {
            throw error(peek(), "expression nested more than " + MAX_NESTING + " levels deep");
        }
        try {
            Expr left = term();
            while (isOp("+") || isOp("-")) {
                Token op = next();
                left = tracked(new Binary(op.text(), left, term(), pos(op)), op);
            }
            return left;
        } finally {
            nesting--;
        }
    }

    private Expr term() throws DefinitionException {
        Expr left = unary();
        while (isOp("*") || isOp("/") || isOp("//") || isOp("@")) {
            Token op = next();
            left = tracked(new Binary(op.text(), left, unary(), pos(op)), op);
        }
        return left;
    }

    private Expr unary() throws DefinitionException {
        if (isOp("-")) {
            Token op = next();
            if (++nesting > MAX_NESTING) {
                throw error(op, "expression nested more than " + MAX_NESTING + " levels deep");
            }
            try {
                return tracked(new Unary("-", unary(), pos(op)), op);
            } finally {
                nesting--;
            }
        }
        return power();
    }

    private Expr power() throws DefinitionException {
        Expr base = primary();
        if (isOp("**")) {
            Token op = next();
            if (++nesting > MAX_NESTING) {
                throw error(op, "expression nested more than " + MAX_NESTING + " levels deep");
            }
            try {
                return tracked(new Binary("**", base, unary(), pos(op)), op);
            } finally {
                nesting--;
            }
        }
        return base;
    }

    private Expr primary() throws DefinitionException {
        Token t = peek();
        switch (t.kind()) {
            case NUMBER -> {
                next();
                return number(t);
            }
            case KEYWORD -> {
                if (t.text().equals("true") || t.text().equals("false")) {
                    next();
                    return new Bool(t.text().equals("true"), pos(t));
                }
                if (t.text().equals("repeat") || t.text().equals("scan")) {
                    next();
                    if (!isOp("(")) {
                        throw error(peek(), "expected '(' after '" + t.text() + "', found " + peek().describe());
                    }
                    return call(t);
                }
                throw error(t, "expected an expression, found " + t.describe());
            }
            case NAME -> {
                next();
                if (isOp("(")) {
                    return call(t);
                }
                return new Name(t.text(), pos(t));
            }
            case OP -> {
                if (t.text().equals("(")) {
                    next();
                    if (isOp(")")) {
                        throw error(peek(), "empty parentheses '()' are not a value");
                    }
                    Expr first = expression();
                    if (acceptOp(")")) {
                        return first;
                    }
                    List<Expr> items = new ArrayList<>();
                    items.add(first);
                    while (acceptOp(",")) {
                        if (isOp(")")) {
                            break;
                        }
                        items.add(expression());
                    }
                    expectOp(")", "')' or ',' in the tuple");
                    return tracked(new Tuple(items, pos(t)), t, items);
                }
                throw error(t, "expected an expression, found " + t.describe());
            }
            default -> throw error(t, "expected an expression, found " + t.describe());
        }
    }

    private Call call(Token callee) throws DefinitionException {
        next(); // (
        List<Expr> args = new ArrayList<>();
        List<KwArg> kwargs = new ArrayList<>();
        if (!isOp(")")) {
            do {
                if (isOp(")")) {
                    break;
                }
                Token t = peek();
                if (t.kind() == Token.Kind.NAME && tokens.get(at + 1).kind() == Token.Kind.OP
                        && tokens.get(at + 1).text().equals("=")) {
                    next();
                    next();
                    for (KwArg kw : kwargs) {
                        if (kw.name().equals(t.text())) {
                            throw error(t, "keyword argument '" + t.text() + "' given twice");
                        }
                    }
                    kwargs.add(new KwArg(t.text(), expression(), pos(t)));
                } else {
                    if (!kwargs.isEmpty()) {
                        throw error(t, "positional argument after keyword arguments in the call of '"
                                + callee.text() + "'");
                    }
                    args.add(expression());
                }
            } while (acceptOp(","));
        }
        expectOp(")", "')' or ',' in the arguments of '" + callee.text() + "'");
        List<Expr> all = new ArrayList<>(args);
        kwargs.forEach(k -> all.add(k.value()));
        return tracked(new Call(callee.text(), args, kwargs, pos(callee)), callee, all);
    }

    private <E extends Expr> E tracked(E e, Token at) throws DefinitionException {
        List<Expr> children;
        if (e instanceof Binary b) {
            children = List.of(b.left(), b.right());
        } else if (e instanceof Unary u) {
            children = List.of(u.operand());
        } else {
            children = List.of();
        }
        return tracked(e, at, children);
    }

    /** Records an expression's depth, refusing trees deeper than the checker is willing to walk. */
    private <E extends Expr> E tracked(E e, Token at, List<Expr> children) throws DefinitionException {
        int depth = 1;
        for (Expr c : children) {
            depth = Math.max(depth, depths.getOrDefault(c, 1) + 1);
        }
        if (depth > MAX_NESTING) {
            throw error(at, "expression is more than " + MAX_NESTING
                    + " operations deep; split it into several statements");
        }
        depths.put(e, depth);
        return e;
    }

    private Num number(Token t) throws DefinitionException {
        String text = t.text();
        boolean integer = text.chars().allMatch(Character::isDigit);
        double value;
        try {
            value = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw error(t, "malformed number '" + text + "'");
        }
        if (Double.isInfinite(value) || (integer && value > 9.007199254740992E15)) {
            throw error(t, "number " + text + " is too large");
        }
        return new Num(value, integer, pos(t));
    }

    private Token peek() {
        return tokens.get(at);
    }

    private Token next() {
        Token t = tokens.get(at);
        if (t.kind() != Token.Kind.EOF) {
            at++;
        }
        return t;
    }

    private boolean isOp(String op) {
        Token t = peek();
        return t.kind() == Token.Kind.OP && t.text().equals(op);
    }

    private boolean isKeyword(String word) {
        Token t = peek();
        return t.kind() == Token.Kind.KEYWORD && t.text().equals(word);
    }

    private boolean acceptOp(String op) {
        if (isOp(op)) {
            next();
            return true;
        }
        return false;
    }

    private void expectOp(String op, String expected) throws DefinitionException {
        Token t = peek();
        if (!isOp(op)) {
            throw error(t, "expected " + expected + ", found " + t.describe());
        }
        next();
    }

    private Name expectName(String expected) throws DefinitionException {
        Token t = peek();
        if (t.kind() != Token.Kind.NAME) {
            String why = t.kind() == Token.Kind.KEYWORD ? " ('" + t.text() + "' is a keyword)" : "";
            throw error(t, "expected " + expected + ", found " + t.describe() + why);
        }
        next();
        return new Name(t.text(), pos(t));
    }

    private void expectNewline() throws DefinitionException {
        Token t = peek();
        if (t.kind() != Token.Kind.NEWLINE && t.kind() != Token.Kind.EOF) {
            throw error(t, "expected the end of the line, found " + t.describe());
        }
        next();
    }

    private static Pos pos(Token t) {
        return new Pos(t.line(), t.col());
    }

    private DefinitionException error(Token t, String message) {
        return new DefinitionException(Diagnostic.error("syntax", file, t.line(), t.col(), message));
    }
}
