package archlab.sandbox.lang;

import archlab.sandbox.lang.Ast.Arg;
import archlab.sandbox.lang.Ast.Assign;
import archlab.sandbox.lang.Ast.Binary;
import archlab.sandbox.lang.Ast.Block;
import archlab.sandbox.lang.Ast.Bool;
import archlab.sandbox.lang.Ast.Call;
import archlab.sandbox.lang.Ast.Expr;
import archlab.sandbox.lang.Ast.Name;
import archlab.sandbox.lang.Ast.Num;
import archlab.sandbox.lang.Ast.Param;
import archlab.sandbox.lang.Ast.Program;
import archlab.sandbox.lang.Ast.Return;
import archlab.sandbox.lang.Ast.Stmt;
import archlab.sandbox.lang.Ast.Tuple;
import archlab.sandbox.lang.Ast.Unary;
import java.util.List;
import java.util.stream.Collectors;

/** Prints a syntax tree back as source, in the one canonical layout, with the fewest parentheses. */
public final class Printer {
    private Printer() {
    }

    public static String print(Program program) {
        StringBuilder out = new StringBuilder();
        if (program.arch() != null) {
            out.append("arch ").append(program.arch()).append("\n\n");
        }
        for (Param p : program.params()) {
            out.append("param ").append(p.name()).append(" = ").append(expr(p.value())).append('\n');
        }
        if (!program.params().isEmpty()) {
            out.append('\n');
        }
        for (Block b : program.blocks()) {
            block(out, "block " + b.name(), b);
        }
        if (program.model() != null) {
            block(out, "model", program.model());
        }
        return out.toString().stripTrailing() + "\n";
    }

    private static void block(StringBuilder out, String header, Block b) {
        out.append(header).append('(');
        out.append(b.args().stream().map(Printer::arg).collect(Collectors.joining(", ")));
        out.append("):\n");
        for (Stmt s : b.body()) {
            out.append("    ").append(stmt(s)).append('\n');
        }
        out.append('\n');
    }

    private static String arg(Arg a) {
        return a.defaultValue() == null ? a.name() : a.name() + "=" + expr(a.defaultValue());
    }

    public static String stmt(Stmt s) {
        if (s instanceof Assign a) {
            return a.targets().stream().map(Name::id).collect(Collectors.joining(", ")) + " = " + expr(a.value());
        }
        return "return " + list(((Return) s).values());
    }

    public static String expr(Expr e) {
        if (e instanceof Num n) {
            return number(n);
        }
        if (e instanceof Bool b) {
            return b.value() ? "true" : "false";
        }
        if (e instanceof Name n) {
            return n.id();
        }
        if (e instanceof Call c) {
            String args = list(c.args());
            String kws = c.kwargs().stream().map(k -> k.name() + "=" + expr(k.value()))
                    .collect(Collectors.joining(", "));
            return c.callee() + "(" + args + (!args.isEmpty() && !kws.isEmpty() ? ", " : "") + kws + ")";
        }
        if (e instanceof Tuple t) {
            return t.items().size() == 1 ? "(" + expr(t.items().get(0)) + ",)" : "(" + list(t.items()) + ")";
        }
        if (e instanceof Unary u) {
            return "-" + wrap(u.operand(), precedence(u.operand()) < 3);
        }
        Binary b = (Binary) e;
        if (b.op().equals("**")) {
            return wrap(b.left(), precedence(b.left()) < 5) + " ** " + wrap(b.right(), precedence(b.right()) < 3);
        }
        int p = precedence(b);
        return wrap(b.left(), precedence(b.left()) < p) + " " + b.op() + " "
                + wrap(b.right(), precedence(b.right()) <= p);
    }

    static String number(Num n) {
        if (n.integer() && n.value() == Math.rint(n.value()) && Math.abs(n.value()) < 1e16) {
            return Long.toString((long) n.value());
        }
        return Double.toString(n.value());
    }

    private static String list(List<Expr> items) {
        return items.stream().map(Printer::expr).collect(Collectors.joining(", "));
    }

    private static String wrap(Expr e, boolean parens) {
        return parens ? "(" + expr(e) + ")" : expr(e);
    }

    private static int precedence(Expr e) {
        if (e instanceof Binary b) {
            return switch (b.op()) {
                case "+", "-" -> 1;
                case "**" -> 4;
                default -> 2;
            };
        }
        if (e instanceof Unary) {
            return 3;
        }
        return 5;
    }
}
