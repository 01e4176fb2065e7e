package archlab.agent.research.offline;

import archlab.agent.research.Direction;
import archlab.agent.research.Move;
import archlab.agent.research.Planner;
import archlab.agent.research.Proposal;
import archlab.agent.research.ResearchContext;
import archlab.knowledge.papers.PaperIndex;
import archlab.knowledge.store.Directive;
import archlab.knowledge.store.Experiment;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.Ast.Program;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Parser;
import archlab.tools.BoundedText;
import archlab.tools.PrimaryMetric;
import archlab.tools.ResearchTools;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The offline planner. Level 1 ({@link #direct}) scores the catalogue's design moves that serve the move the
 * search chose and apply to the node's definition: each starts at 1 and gains 2 per diagnosis of the node it
 * answers, the retrieval score of every retrieved paper note it rests on (a third of it for a note that only
 * shares a tag), 1 when its symptom pattern matches the node's words, and 2 when a directive asks for it; a
 * directive that rules it out removes it. A REFINE keeps only moves that answer a diagnosis or match the
 * words, an APPLY_INSIGHT only moves that rest on a retrieved note. One is drawn in proportion to its score
 * (seeded: the same seed, node and move give the same draw), the two best others follow as fallbacks.
 * Level 2 ({@link #propose}) writes the variants of those moves that pass the static gates ({@link Trial}),
 * in that order, each with its motivation, expected effect (with the measured change in parameters and
 * FLOPs), metric and risk.
 */
final class OfflinePlanner implements Planner {
    private static final Pattern BAN = Pattern.compile("(?i)\\b(avoid|no more|stop|don't|do not|never|without|ban)\\b");
    private static final Pattern ASK = Pattern.compile("(?i)\\b(prefer|try|use|more|focus|favou?r|explore)\\b");

    private final ResearchTools tools;
    private final long seed;

    OfflinePlanner(ResearchTools tools, long seed) {
        this.tools = tools;
        this.seed = seed;
    }

    /** A design move with its score and why it was chosen. */
    private record Scored(DesignMove move, double score, List<String> diagnoses, List<PaperIndex.Hit> papers,
                          boolean words, int directive) {
    }

    @Override
    public Direction direct(ResearchContext ctx, Move move) {
        NodeReading reading = NodeReading.of(ctx, tools.checker());
        String where = ctx.node() == null ? "a root expansion" : NodeReading.describe(ctx, "node");
        if (ctx.node() == null) {
            List<String> untried = untriedSeeds(ctx);
            if (!untried.isEmpty()) {
                return new Direction(move, "Evaluate the campaign's seed definitions as baselines before editing"
                        + " them: " + String.join(", ", untried), untried);
            }
        }
        if (!reading.editable()) {
            return new Direction(move, "Nothing to edit for " + where + ": neither the node, its parent nor a seed"
                    + " has a definition that checks", List.of());
        }
        Materials materials = Materials.of(ctx);
        List<Scored> scored = score(ctx, move, reading, materials);
        if (scored.isEmpty()) {
            return new Direction(move, "No design move of the catalogue serves " + move.id() + " for " + where
                    + " (" + reason(move, ctx) + ")", List.of());
        }
        // Seeded by what the node is (its design), never by its id: ids are random, and a campaign must make
        // the same draws from the same file, seed and results (docs/campaigns.md, "Reproducing a campaign").
        Random rng = new Random(mix(seed, drawKey(ctx.node()) + "/" + move.id() + "/" + ctx.siblings().size()));
        Scored primary = draw(scored, rng);
        List<Scored> order = new ArrayList<>();
        order.add(primary);
        scored.stream().filter(s -> s != primary).limit(2).forEach(order::add);
        Set<String> refs = new LinkedHashSet<>();
        order.forEach(s -> refs.add(s.move().id()));
        primary.papers().forEach(h -> refs.add(h.note().slug()));
        if (move == Move.RECOMBINE) {
            materials.donors().stream().limit(3).forEach(d -> refs.add(d.id()));
        }
        if (move == Move.REUSE_SUBROUTINE) {
            materials.subroutines().stream().limit(3).forEach(s -> refs.add(s.name()));
        }
        refs.add("base:" + reading.base());
        return new Direction(move, summary(move, primary, reading, where, materials), List.copyOf(refs));
    }

    @Override
    public List<Proposal> propose(ResearchContext ctx, Direction direction, int k) {
        if (k < 1) {
            return List.of();
        }
        if (!direction.references().isEmpty() && direction.references().stream().allMatch(r -> r.startsWith("seed:"))) {
            return seedProposals(ctx, direction, k);
        }
        String base = direction.references().stream().filter(r -> r.startsWith("base:")).map(r -> r.substring(5))
                .findFirst().orElse(null);
        NodeReading reading = NodeReading.of(ctx, tools.checker());
        if (base == null || !reading.editable()) {
            return List.of();
        }
        String source = NodeReading.source(ctx, base);
        ModelDefinition parent = source == null ? null : tools.checker().check(source).definition();
        if (parent == null) {
            return List.of();
        }
        Program program;
        try {
            program = Parser.parse(source, "parent.arch");
        } catch (DefinitionException e) {
            return List.of();
        }
        Materials materials = Materials.of(ctx);
        Map<String, String> known = knownHashes(ctx);
        Set<String> triedTitles = new java.util.HashSet<>();
        ctx.siblings().forEach(s -> {
            if (s.hypothesis().title() != null) {
                triedTitles.add(s.hypothesis().title());
            }
        });
        Set<String> refs = new LinkedHashSet<>(direction.references());
        List<Proposal> out = new ArrayList<>();
        for (String id : direction.references()) {
            DesignMove m = DesignCatalogue.byId(id);
            if (m == null) {
                continue;
            }
            for (Variant v : m.editor().variants(program, materials)) {
                if (out.size() >= k) {
                    return out;
                }
                if (!wanted(v, refs, materials) || triedTitles.contains(m.title(v))) {
                    continue;
                }
                Trial t = Trial.run(m, v, program, parent, materials, tools.checker(), known, "");
                if (!t.ok() || !tools.similar().similarTo(t.source(), null, 1).duplicates().isEmpty()) {
                    continue;
                }
                known.put(t.child().canonicalHash(), "another proposal of this step");
                out.add(proposal(ctx, direction, m, v, base, reading, parent, t.child()));
            }
        }
        return out;
    }

    // ---- level 1

    private List<Scored> score(ResearchContext ctx, Move move, NodeReading reading, Materials materials) {
        List<Scored> all = new ArrayList<>();
        for (DesignMove m : DesignCatalogue.ALL) {
            if (!m.moves().contains(move) || m.editor().variants(reading.program(), materials).isEmpty()) {
                continue;
            }
            List<String> diagnoses = m.diagnoses().stream().filter(reading.diagnoses()::containsKey).toList();
            List<PaperIndex.Hit> papers = new ArrayList<>();
            double paperScore = 0;
            for (PaperIndex.Hit h : ctx.papers()) {
                if (m.paperIds().contains(h.note().slug()) || (m.id().equals("transplant-note") && h.note().hasDefinition())) {
                    papers.add(h);
                    paperScore += h.score();
                } else if (h.note().tags().stream().anyMatch(m.tags()::contains)) {
                    paperScore += h.score() / 3;
                }
            }
            boolean words = m.symptoms().matcher(reading.words()).find();
            int directive = directive(ctx.directives(), m);
            if (directive < 0) {
                continue;
            }
            double score = 1 + 2 * diagnoses.size() + paperScore + (words ? 1 : 0) + 2 * directive;
            all.add(new Scored(m, score, diagnoses, papers, words, directive));
        }
        List<Scored> kept = switch (move) {
            case REFINE -> {
                List<Scored> answering = all.stream().filter(s -> !s.diagnoses().isEmpty() || s.words()).toList();
                yield answering.isEmpty() ? all : answering;
            }
            case APPLY_INSIGHT -> all.stream().filter(s -> !s.papers().isEmpty()).toList();
            default -> all;
        };
        return kept.stream().sorted(Comparator.comparingDouble(Scored::score).reversed()
                .thenComparing(s -> DesignCatalogue.ALL.indexOf(s.move()))).toList();
    }

    /** +1 when a directive asks for the move by one of its keywords, -1 when one rules it out, else 0. */
    private static int directive(List<Directive> directives, DesignMove m) {
        int verdict = 0;
        for (Directive d : directives) {
            String text = d.text() == null ? "" : d.text();
            if (!m.keywords().matcher(text).find()) {
                continue;
            }
            if (BAN.matcher(text).find()) {
                return -1;
            }
            if (ASK.matcher(text).find()) {
                verdict = 1;
            }
        }
        return verdict;
    }

    private static Scored draw(List<Scored> scored, Random rng) {
        double total = scored.stream().mapToDouble(Scored::score).sum();
        double r = rng.nextDouble() * total;
        for (Scored s : scored) {
            r -= s.score();
            if (r < 0) {
                return s;
            }
        }
        return scored.get(scored.size() - 1);
    }

    private static String summary(Move move, Scored s, NodeReading reading, String where, Materials materials) {
        StringBuilder b = new StringBuilder();
        b.append(capital(move.id().replace('_', ' '))).append(' ').append(where).append(": ")
                .append(s.move().summary().toLowerCase(Locale.ROOT)).append(" (").append(s.move().id()).append(')');
        // A refinement always says what it refines: the node's first diagnosis (a failure comes first), and
        // which of its diagnoses the chosen move answers when that is another one.
        String first = reading.diagnoses().isEmpty() ? null : reading.diagnoses().keySet().iterator().next();
        String label = move == Move.REFINE && first != null ? first
                : !s.diagnoses().isEmpty() ? s.diagnoses().get(0) : null;
        if (label != null) {
            b.append(", after ").append(label).append(": ").append(BoundedText.clip(reading.diagnoses().get(label), 240));
        }
        if (label != null && !s.diagnoses().isEmpty() && !s.diagnoses().contains(label)) {
            b.append(" (it answers ").append(String.join(", ", s.diagnoses())).append(')');
        }
        if (!s.papers().isEmpty()) {
            PaperIndex.Hit h = s.papers().get(0);
            b.append("; ").append(h.note().slug()).append(" suggests it when ")
                    .append(BoundedText.clip(h.matchedSymptom() == null ? h.note().title() : h.matchedSymptom(), 200));
        }
        if (move == Move.RECOMBINE && !materials.donors().isEmpty()) {
            b.append("; donors: ").append(String.join(", ", materials.donors().stream().limit(3)
                    .map(Materials.Donor::label).toList()));
        }
        if (move == Move.REUSE_SUBROUTINE && !materials.subroutines().isEmpty()) {
            b.append("; subroutines: ").append(String.join(", ", materials.subroutines().stream().limit(3)
                    .map(x -> x.name()).toList()));
        }
        if (s.directive() > 0) {
            b.append("; a directive asks for it");
        }
        return b.toString();
    }

    private static String reason(Move move, ResearchContext ctx) {
        return switch (move) {
            case RECOMBINE -> ctx.references().isEmpty() && ctx.seeds().isEmpty() ? "no reference or seed to take"
                    + " a mixer from" : "no reference has a token mixer the node lacks";
            case REUSE_SUBROUTINE -> ctx.subroutines().isEmpty() ? "no mined subroutine yet"
                    : "no subroutine with one input fits";
            case APPLY_INSIGHT -> ctx.papers().isEmpty() ? "no paper note was retrieved"
                    : "no retrieved note backs an applicable move";
            default -> "no move applies to this definition";
        };
    }

    // ---- level 2

    /**
     * A direction that names donors, subroutines or notes restricts the variants that take one to those it
     * names; a direction that names none of a kind leaves that kind free.
     */
    private static boolean wanted(Variant v, Set<String> refs, Materials m) {
        Set<String> donors = new java.util.HashSet<>();
        m.donors().forEach(d -> donors.add(d.id()));
        Set<String> subroutines = new java.util.HashSet<>();
        m.subroutines().forEach(x -> subroutines.add(x.name()));
        Set<String> notes = new java.util.HashSet<>();
        m.notes().forEach(n -> notes.add(n.slug()));
        return allowed(v.args().get("donor"), refs, donors) && allowed(v.args().get("subroutine"), refs, subroutines)
                && allowed(v.args().get("note"), refs, notes);
    }

    private static boolean allowed(String value, Set<String> refs, Set<String> kind) {
        if (value == null) {
            return true;
        }
        boolean named = refs.stream().anyMatch(kind::contains);
        return !named || refs.contains(value);
    }

    private Proposal proposal(ResearchContext ctx, Direction direction, DesignMove m, Variant v, String base,
                              NodeReading reading, ModelDefinition parent, ModelDefinition child) {
        String task = ctx.task();
        PrimaryMetric metric = PrimaryMetric.forTask(task);
        StringBuilder motivation = new StringBuilder(m.rationale());
        for (String label : m.diagnoses()) {
            if (reading.diagnoses().containsKey(label)) {
                motivation.append(" The parent shows ").append(label).append(": ")
                        .append(BoundedText.clip(reading.diagnoses().get(label), 200)).append('.');
                break;
            }
        }
        PaperIndex.Hit note = ctx.papers().stream().filter(h -> m.paperIds().contains(h.note().slug())
                || v.args().getOrDefault("note", "").equals(h.note().slug())).findFirst().orElse(null);
        List<String> papers = new ArrayList<>();
        if (note != null) {
            motivation.append(' ').append(note.note().title()).append(" (").append(note.note().year()).append(")")
                    .append(note.matchedSymptom() == null ? " describes it." : " suggests it when "
                            + BoundedText.clip(note.matchedSymptom(), 200) + ".");
            papers.add(note.note().slug());
        } else if (!m.paperIds().isEmpty()) {
            motivation.append(" It rests on the notes ").append(String.join(", ", m.paperIds())).append('.');
            papers.addAll(m.paperIds());
        }
        String effect = String.format(Locale.ROOT, "%s%s; %s parameters (%s vs the parent), %s FLOPs per token (%s)",
                m.expected(), task == null ? "" : " on " + task, BoundedText.count(child.parameterCount()),
                percent(child.parameterCount(), parent.parameterCount()), BoundedText.number(child.flopsPerToken()),
                percent(child.flopsPerToken(), parent.flopsPerToken()));
        Map<String, String> plan = new LinkedHashMap<>();
        plan.put("move", m.id());
        plan.put("variant", v.key());
        plan.put("base", base);
        plan.putAll(v.args());
        if (!papers.isEmpty()) {
            plan.put("papers", String.join(",", papers));
        }
        return new Proposal(m.title(v), motivation.toString(), effect, metric.name(), m.risk(), direction, plan);
    }

    private List<Proposal> seedProposals(ResearchContext ctx, Direction direction, int k) {
        List<Proposal> out = new ArrayList<>();
        PrimaryMetric metric = PrimaryMetric.forTask(ctx.task());
        for (String ref : direction.references()) {
            if (out.size() >= k) {
                break;
            }
            String source = NodeReading.source(ctx, ref);
            var check = source == null ? null : tools.checker().check(source);
            if (check == null || !check.ok()) {
                continue;
            }
            String name = check.definition().name();
            out.add(new Proposal("Baseline: the seed " + name + " as it is",
                    "Every edit is measured against its parent, so the seeds are measured first, unchanged.",
                    "a reference score for later children; " + BoundedText.count(check.params()) + " parameters, "
                            + BoundedText.number(check.flopsPerToken()) + " FLOPs per token",
                    metric.name(), "none: a baseline", direction, Map.of("move", "seed", "base", ref)));
        }
        return out;
    }

    private List<String> untriedSeeds(ResearchContext ctx) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < ctx.seeds().size(); i++) {
            var check = tools.checker().check(ctx.seeds().get(i));
            if (check.ok() && tools.similar().similarTo(ctx.seeds().get(i), null, 1).duplicates().isEmpty()) {
                out.add("seed:" + i);
            }
        }
        return out;
    }

    /** Hashes a child must not repeat: the node, its parent, its children and the references. */
    static Map<String, String> knownHashes(ResearchContext ctx) {
        Map<String, String> known = new HashMap<>();
        List<Experiment> family = new ArrayList<>(ctx.siblings());
        family.addAll(ctx.references());
        if (ctx.node() != null) {
            family.add(ctx.node());
        }
        if (ctx.grandparent() != null) {
            family.add(ctx.grandparent());
        }
        for (Experiment e : family) {
            if (e.canonicalHash() != null) {
                known.putIfAbsent(e.canonicalHash(), "experiment " + e.id()
                        + (e.hypothesis().title() == null ? "" : " (" + BoundedText.clip(e.hypothesis().title(), 80) + ")"));
            }
        }
        return known;
    }

    private static String percent(double child, double parent) {
        if (parent == 0) {
            return "n/a";
        }
        double p = 100 * (child - parent) / parent;
        return (p >= 0 ? "+" : "") + BoundedText.number(p) + "%";
    }

    private static String capital(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** A 64-bit seed from the policy's seed and a key (SplitMix64 finaliser over String.hashCode, stable across JVMs). */
    static long mix(long seed, String key) {
        long z = seed ^ (0x9E3779B97F4A7C15L * (key.hashCode() + 0x632BE59BD9B4E019L));
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** What identifies a node for the planner's draw: its canonical hash, else its name, never its random id. */
    static String drawKey(archlab.knowledge.store.Experiment node) {
        if (node == null) {
            return "root";
        }
        return node.canonicalHash() != null ? node.canonicalHash() : node.name() != null ? node.name() : "unnamed";
    }
}
