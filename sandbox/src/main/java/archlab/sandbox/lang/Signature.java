package archlab.sandbox.lang;

import archlab.sandbox.lang.Ast.Call;
import archlab.sandbox.lang.Ast.Expr;
import archlab.sandbox.lang.Ast.KwArg;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The arguments a callable takes. Parameters may be passed by position or by keyword; a variadic
 * callable collects extra positional arguments, and may also take keyword-only options.
 *
 * @param required how many of {@code params} must be given
 * @param variadic whether extra positional arguments are collected (concat's tensors, parameter's sizes)
 */
public record Signature(String name, List<String> params, int required, boolean variadic, Set<String> keywordOnly) {

    public Signature {
        params = List.copyOf(params);
        keywordOnly = Set.copyOf(keywordOnly);
    }

    public static Signature of(String name, int required, String... params) {
        return new Signature(name, List.of(params), required, false, Set.of());
    }

    /** Arguments matched to parameter names; {@code rest} holds variadic extras; missing optionals are absent. */
    public record Bound(Map<String, Expr> named, List<Expr> rest) {
    }

    public String usage() {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            parts.add(i < required ? params.get(i) : params.get(i) + "=...");
        }
        if (variadic) {
            parts.add("...");
        }
        keywordOnly.stream().sorted().forEach(k -> parts.add(k + "=..."));
        return name + "(" + String.join(", ", parts) + ")";
    }

    /** Matches a call's arguments; the message of the exception says what is wrong, in words. */
    public Bound bind(Call call, String file) throws DefinitionException {
        Map<String, Expr> named = new LinkedHashMap<>();
        List<Expr> rest = new ArrayList<>();
        List<Expr> args = call.args();
        for (int i = 0; i < args.size(); i++) {
            if (i < params.size()) {
                named.put(params.get(i), args.get(i));
            } else if (variadic) {
                rest.add(args.get(i));
            } else {
                throw error(call, file, "arity", "'" + name + "' takes at most " + params.size()
                        + " positional argument" + (params.size() == 1 ? "" : "s") + ", got " + args.size()
                        + "; usage: " + usage());
            }
        }
        for (KwArg kw : call.kwargs()) {
            if (!params.contains(kw.name()) && !keywordOnly.contains(kw.name())) {
                throw new DefinitionException(Diagnostic.error("unknown-argument", file, kw.pos().line(),
                        kw.pos().col(), "'" + name + "' has no argument named '" + kw.name() + "'; usage: " + usage()));
            }
            if (named.containsKey(kw.name())) {
                throw new DefinitionException(Diagnostic.error("arity", file, kw.pos().line(), kw.pos().col(),
                        "argument '" + kw.name() + "' of '" + name + "' is given both by position and by keyword"));
            }
            named.put(kw.name(), kw.value());
        }
        for (int i = 0; i < required; i++) {
            if (!named.containsKey(params.get(i))) {
                throw error(call, file, "arity", "'" + name + "' is missing its argument '" + params.get(i)
                        + "'; usage: " + usage());
            }
        }
        return new Bound(named, rest);
    }

    private static DefinitionException error(Call call, String file, String code, String message) {
        return new DefinitionException(Diagnostic.error(code, file, call.pos().line(), call.pos().col(), message));
    }
}
