package archlab.agent.browser;

import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.graph.OpNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The architecture as people think of it: the blocks the definition called, nested (model → layer →
 * mixer → kernel), each a box with its op count, weights and output shape, opened one level at a
 * time. Consecutive copies with the same structure ({@code layer[0]}, {@code layer[1]}, ...) fold
 * into one box marked ×N; constants fold into the op that uses them ({@code add 1}) instead of
 * being nodes whose edges cross the whole graph. The canonical graph keeps every op's block path
 * ({@link OpNode#scope()}), so the outline needs nothing the checker does not already record.
 */
final class BlockOutline {
    /** Ops listed inside one box before the rest are summarised. */
    private static final int MAX_LISTED_OPS = 60;

    private BlockOutline() {
    }

    /** A block: its path segment, the ops directly in it, and the blocks it called, in order. */
    private static final class Block {
        final String name;
        final List<OpNode> ops = new ArrayList<>();
        final Map<String, Block> children = new LinkedHashMap<>();

        Block(String name) {
            this.name = name;
        }

        long weights() {
            return ops.stream().mapToLong(OpNode::weights).sum()
                    + children.values().stream().mapToLong(Block::weights).sum();
        }

        int opCount() {
            return (int) ops.stream().filter(n -> !isConst(n)).count()
                    + children.values().stream().mapToInt(Block::opCount).sum();
        }

        OpNode last() {
            OpNode last = ops.isEmpty() ? null : ops.get(ops.size() - 1);
            for (Block c : children.values()) {
                OpNode l = c.last();
                if (l != null && (last == null || l.id() > last.id())) {
                    last = l;
                }
            }
            return last;
        }

        /** The structure without the copy's index: what makes two copies of a block the same. */
        String signature() {
            StringBuilder b = new StringBuilder(baseName(name)).append('{');
            for (OpNode n : ops) {
                b.append(n.op()).append(n.attrs()).append(n.shape()).append(';');
            }
            children.values().forEach(c -> b.append(c.signature()));
            return b.append('}').toString();
        }
    }

    static String html(ArchGraph graph) {
        Block root = new Block("model");
        for (OpNode n : graph.nodes()) {
            Block at = root;
            String scope = n.scope() == null ? "" : n.scope();
            if (!scope.isEmpty()) {
                for (String part : scope.split("/")) {
                    at = at.children.computeIfAbsent(part, Block::new);
                }
            }
            at.ops.add(n);
        }
        StringBuilder h = new StringBuilder("<div class=\"outline\" id=\"block-outline\">");
        box(h, root, 1, 0);
        return h.append("</div>").toString();
    }

    private static void box(StringBuilder h, Block b, int copies, int depth) {
        OpNode last = b.last();
        h.append("<details class=\"block depth-").append(Math.min(depth, 4)).append('"')
                .append(depth < 2 ? " open" : "").append("><summary><b>")
                .append(Html.esc(copies > 1 ? baseName(b.name) : b.name)).append("</b>");
        if (copies > 1) {
            h.append(" <span class=\"copies\">×").append(copies).append("</span>");
        }
        h.append(" <span class=\"muted\">").append(b.opCount()).append(" op").append(b.opCount() == 1 ? "" : "s");
        if (b.weights() > 0) {
            h.append(" · ").append(Html.count(b.weights() * copies)).append(" weights");
        }
        if (last != null) {
            h.append(" · out ").append(Html.esc(String.valueOf(last.shape())));
        }
        if (copies > 1) {
            h.append(" · ").append(copies).append(" identical copies");
        }
        h.append("</span></summary>");
        // This block's own ops and its sub-blocks, in the order they compute.
        List<Object> items = new ArrayList<>();
        Map<Block, Integer> firstId = new LinkedHashMap<>();
        for (Block c : b.children.values()) {
            firstId.put(c, firstOp(c));
        }
        int nextChild = 0;
        List<Block> kids = new ArrayList<>(b.children.values());
        kids.sort(java.util.Comparator.comparingInt(firstId::get));
        for (OpNode n : b.ops) {
            while (nextChild < kids.size() && firstId.get(kids.get(nextChild)) < n.id()) {
                items.add(kids.get(nextChild++));
            }
            items.add(n);
        }
        while (nextChild < kids.size()) {
            items.add(kids.get(nextChild++));
        }
        boolean inList = false;
        int listed = 0;
        int hidden = 0;
        for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            if (item instanceof OpNode n) {
                if (isConst(n)) {
                    continue;
                }
                if (listed >= MAX_LISTED_OPS) {
                    hidden++;
                    continue;
                }
                if (!inList) {
                    h.append("<ul class=\"ops\">");
                    inList = true;
                }
                op(h, n);
                listed++;
            } else {
                if (inList) {
                    h.append("</ul>");
                    inList = false;
                }
                Block c = (Block) item;
                int n = 1;
                while (i + n < items.size() && items.get(i + n) instanceof Block next
                        && baseName(next.name).equals(baseName(c.name)) && next.signature().equals(c.signature())) {
                    n++;
                }
                box(h, c, n, depth + 1);
                i += n - 1;
            }
        }
        if (inList) {
            h.append("</ul>");
        }
        if (hidden > 0) {
            h.append("<p class=\"muted\">… and ").append(hidden).append(" more ops here</p>");
        }
        h.append("</details>");
    }

    private static void op(StringBuilder h, OpNode n) {
        h.append("<li class=\"").append(n.weights() > 0 ? "weights" : "op").append("\" title=\"")
                .append(Html.esc("at " + n.location())).append("\"><code>").append(Html.esc(n.op()));
        String attrs = n.attrs().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(" "));
        if (!attrs.isEmpty()) {
            h.append(' ').append(Html.esc(attrs));
        }
        List<String> constants = n.inputs().stream().filter(BlockOutline::isConst).map(BlockOutline::value).toList();
        if (!constants.isEmpty()) {
            h.append(" <span class=\"const\">").append(Html.esc(String.join(", ", constants))).append("</span>");
        }
        h.append("</code> <span class=\"shape\">").append(Html.esc(String.valueOf(n.shape()))).append("</span>");
        if (n.weights() > 0) {
            h.append(" <span class=\"muted\">").append(Html.count(n.weights())).append(" weights</span>");
        }
        h.append("</li>");
    }

    private static int firstOp(Block b) {
        int first = Integer.MAX_VALUE;
        for (OpNode n : b.ops) {
            first = Math.min(first, n.id());
        }
        for (Block c : b.children.values()) {
            first = Math.min(first, firstOp(c));
        }
        return first;
    }

    static boolean isConst(OpNode n) {
        return "const".equals(n.op()) && n.inputs().isEmpty();
    }

    /** A constant as written: its value attribute(s). */
    static String value(OpNode n) {
        if (n.attrs().size() == 1) {
            Object v = n.attrs().values().iterator().next();
            if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
                return Long.toString(d.longValue());
            }
            return String.valueOf(v);
        }
        return n.attrs().toString();
    }

    /** {@code layer[3]} → {@code layer}. */
    static String baseName(String segment) {
        int bracket = segment.indexOf('[');
        return bracket < 0 ? segment : segment.substring(0, bracket);
    }

    static String describeConstants(OpNode n) {
        List<String> c = n.inputs().stream().filter(BlockOutline::isConst).map(BlockOutline::value).toList();
        return c.isEmpty() ? "" : "\nconstants " + String.join(", ", c).toLowerCase(Locale.ROOT);
    }
}
