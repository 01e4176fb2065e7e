package archlab.agent.research.offline;

import static archlab.agent.research.offline.Surgery.call;

import archlab.knowledge.papers.PaperNote;
import archlab.sandbox.lang.Ast.Block;
import archlab.sandbox.lang.Ast.Call;
import archlab.sandbox.lang.Ast.Param;
import archlab.sandbox.lang.Ast.Program;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Parser;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The design moves that take a part from elsewhere: the token mixer of another experiment (recombination) and
 * the mixer or layer written in a paper note (applying the paper). The part is copied with every block it
 * calls and every param it reads; blocks and params whose names the parent already uses for something else
 * are renamed, and the shared sizes ({@code d}, {@code heads}, {@code layers}) are the parent's.
 */
final class Transplants {
    private Transplants() {
    }

    /** Params that mean the same in every definition: the part must take the parent's values. */
    private static final Set<String> SHARED = Set.of("d", "heads", "layers", "vocab", "seq_len");

    /** The parent with {@code root} of {@code donor} (and all it needs) copied in; the copy's name in {@code name[0]}. */
    static Program copy(Program parent, Program donor, String root, String base, String[] name) throws EditException {
        Block rootBlock = Surgery.block(donor, root);
        if (rootBlock == null) {
            throw new EditException("the donor has no block " + root);
        }
        // the donor's file blocks the root reaches, root first
        List<Block> needed = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        Deque<Block> unvisited = new ArrayDeque<>();
        unvisited.add(rootBlock);
        seen.add(root);
        while (!unvisited.isEmpty()) {
            Block b = unvisited.poll();
            needed.add(b);
            for (String n : Surgery.freeNames(b)) {
                Block called = donor.blocks().stream().filter(x -> x.name().equals(n)).findFirst().orElse(null);
                if (called != null && seen.add(n)) {
                    unvisited.add(called);
                }
            }
        }
        Set<String> used = Surgery.namesInUse(parent);
        Map<String, String> names = new HashMap<>();
        Map<String, Block> copies = new LinkedHashMap<>();
        for (Block b : needed) {
            Block same = parent.blocks().stream().filter(x -> x.name().equals(b.name()) && LayerEdits.sameBlock(x, b))
                    .findFirst().orElse(null);
            if (same != null && b != rootBlock) {
                continue; // the parent already has this helper, word for word
            }
            String n = Surgery.fresh(used, b == rootBlock ? base : b.name());
            names.put(b.name(), n);
            copies.put(b.name(), b);
        }
        // params the copies read, with the params their values read, in the donor's order
        Set<String> read = new LinkedHashSet<>();
        for (Block b : copies.values()) {
            read.addAll(Surgery.freeNames(b));
        }
        Program out = parent;
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Param p : donor.params()) {
                if (read.contains(p.name()) && read.addAll(Surgery.names(p.value()))) {
                    grew = true;
                }
            }
        }
        for (Param p : donor.params()) {
            if (!read.contains(p.name())) {
                continue;
            }
            Param mine = Surgery.param(parent, p.name());
            if (mine != null && (SHARED.contains(p.name()) || mine.value().equals(p.value()))) {
                continue;
            }
            String n = mine == null && !used.contains(p.name()) ? p.name() : Surgery.fresh(used, p.name());
            used.add(n);
            names.put(p.name(), n);
            out = Surgery.setParam(out, n, Surgery.rename(p.value(), names, Set.of()));
        }
        for (Map.Entry<String, Block> e : copies.entrySet()) {
            out = Surgery.addBlock(out, Surgery.rename(e.getValue(), names.get(e.getKey()), names));
        }
        name[0] = names.get(root);
        return out;
    }

    /** The parent with its first token-mixer call calling {@code mixer} instead; the old mixer is pruned if unused. */
    static Program replaceFirstMixer(Program p, String mixer) throws EditException {
        Anatomy a = Anatomy.of(p);
        if (a.mixerCalls().isEmpty()) {
            throw new EditException("the parent's layer calls no token mixer to replace");
        }
        Call old = a.mixerCalls().get(0);
        Call neu = new Call(mixer, old.args(), old.kwargs(), old.pos());
        return Surgery.prune(Surgery.replaceBlock(p, a.layer, Surgery.replace(a.layer, old, neu)));
    }

    /**
     * {@code variants} without those whose child computes what the parent computes (a note's mixer that the
     * parent already is, word for word up to names): they would be refused by the coder's intent check anyway.
     */
    static List<Variant> changing(Program parent, List<Variant> variants, DesignMove.Editor editor, Materials m) {
        String before = hash(parent);
        List<Variant> out = new ArrayList<>();
        for (Variant v : variants) {
            try {
                String after = hash(Surgery.unshadow(editor.apply(parent, v, m)));
                if (before == null || !before.equals(after)) {
                    out.add(v);
                }
            } catch (EditException e) {
                // does not apply: leave it out
            }
        }
        return out;
    }

    private static String hash(Program p) {
        archlab.sandbox.CheckReport r = archlab.sandbox.ModelDefinition.check(
                archlab.sandbox.lang.Printer.print(p), "trial.arch");
        return r.ok() ? r.hash() : null;
    }

    /** A readable stem for copied blocks: {@code deltanet} from a donor named {@code deltanet}. */
    static String stem(String label) {
        String s = label.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]+", "_").replaceAll("^_+|_+$", "");
        if (s.isEmpty() || !Character.isLetter(s.charAt(0))) {
            s = "part_" + s;
        }
        return s.length() > 24 ? s.substring(0, 24) : s;
    }

    // ---- recombine with a reference experiment

    static final DesignMove.Editor RECOMBINE = new DesignMove.Editor() {
        @Override
        public List<Variant> variants(Program parent, Materials materials) {
            Anatomy mine = Anatomy.of(parent);
            if (mine.mixerCalls().isEmpty()) {
                return List.of();
            }
            List<Variant> out = new ArrayList<>();
            for (Materials.Donor d : materials.donors()) {
                Program donor = parse(d.source());
                if (donor == null) {
                    continue;
                }
                for (Block m : Anatomy.of(donor).tokenMixers) {
                    boolean known = parent.blocks().stream().anyMatch(b -> LayerEdits.sameBlock(b, m));
                    if (known || out.size() >= 8) {
                        continue;
                    }
                    Intent intent = Intent.within("the donor's mixer", stem(d.label()) + "_" + m.name());
                    out.add(new Variant(Map.of("donor", d.id(), "mixer", m.name(), "mode", "replace"),
                            m.name() + " of " + d.label() + " in place of " + mine.mixerCalls().get(0).callee(), intent));
                    out.add(new Variant(Map.of("donor", d.id(), "mixer", m.name(), "mode", "add"),
                            m.name() + " of " + d.label() + " as a second sublayer after "
                                    + mine.mixerCalls().get(0).callee() + " (a hybrid)", intent));
                }
            }
            return changing(parent, out, this, materials);
        }

        @Override
        public Program apply(Program parent, Variant v, Materials materials) throws EditException {
            Materials.Donor d = materials.donor(v.arg("donor"));
            if (d == null) {
                throw new EditException("no reference " + v.arg("donor") + " in this context");
            }
            Program donor = parse(d.source());
            if (donor == null) {
                throw new EditException("the definition of " + d.label() + " does not parse");
            }
            String[] name = new String[1];
            Program p = copy(parent, donor, v.arg("mixer"), stem(d.label()) + "_" + v.arg("mixer"), name);
            if (v.arg("mode").equals("replace")) {
                return replaceFirstMixer(p, name[0]);
            }
            return LayerEdits.addBranch(p, x -> call(name[0], x));
        }
    };

    // ---- apply a paper note's definition

    static final DesignMove.Editor NOTE = new DesignMove.Editor() {
        @Override
        public List<Variant> variants(Program parent, Materials materials) {
            Anatomy mine = Anatomy.of(parent);
            if (mine.mixerCalls().isEmpty()) {
                return List.of();
            }
            List<Variant> out = new ArrayList<>();
            List<PaperNote> notes = materials.notes();
            for (PaperNote n : notes) {
                Program donor = harness(n);
                if (donor == null) {
                    continue;
                }
                String slug = n.slug();
                Intent intent = Intent.within("the note's block", stem(slug));
                if (Surgery.block(donor, "mixer") != null) {
                    out.add(new Variant(Map.of("note", slug, "part", "mixer", "mode", "replace"), "the mixer of the "
                            + slug + " note in place of " + mine.mixerCalls().get(0).callee(), intent));
                    out.add(new Variant(Map.of("note", slug, "part", "mixer", "mode", "add"), "the mixer of the "
                            + slug + " note as a second sublayer (a hybrid)", intent));
                } else if (Surgery.block(donor, "layer") != null && mine.layer != parent.model()) {
                    boolean wraps = Surgery.freeNames(Surgery.block(donor, "layer")).contains("mixer");
                    if (!wraps || mine.mixerCalls().size() == 1) {
                        out.add(new Variant(Map.of("note", slug, "part", "layer", "mode", "replace"), "the layer of the "
                                + slug + " note " + (wraps ? "around the parent's " + mine.mixerCalls().get(0).callee()
                                : "in place of the parent's " + mine.layer.name()), intent));
                    }
                }
            }
            return changing(parent, out, this, materials);
        }

        @Override
        public Program apply(Program parent, Variant v, Materials materials) throws EditException {
            PaperNote n = materials.notes().stream().filter(x -> x.slug().equals(v.arg("note"))).findFirst()
                    .orElseThrow(() -> new EditException("the note " + v.arg("note") + " was not retrieved here"));
            Program donor = harness(n);
            if (donor == null) {
                throw new EditException("the note " + n.slug() + " has no archlab fragment that parses");
            }
            String[] name = new String[1];
            if (v.arg("part").equals("mixer")) {
                Program p = copy(parent, donor, "mixer", stem(n.slug()) + "_mixer", name);
                return v.arg("mode").equals("replace") ? replaceFirstMixer(p, name[0])
                        : LayerEdits.addBranch(p, x -> call(name[0], x));
            }
            Anatomy mine = Anatomy.of(parent);
            Block layer = Surgery.block(donor, "layer");
            boolean wraps = Surgery.freeNames(layer).contains("mixer");
            if (mine.layer == parent.model() || (wraps && mine.mixerCalls().size() != 1)) {
                throw new EditException("a note's layer that calls mixer replaces a layer with exactly one token mixer");
            }
            // The note's layer calls `mixer`: make the copy call the parent's own mixer instead.
            Program renamed = !wraps ? donor : Surgery.replaceBlock(donor, layer, Surgery.rename(layer, "layer",
                    Map.of("mixer", mine.mixerCalls().get(0).callee())));
            Program cut = new Program(renamed.arch(), renamed.params(), renamed.blocks().stream()
                    .filter(b -> !b.name().equals("mixer")).toList(), renamed.model());
            Program p = copy(parent, cut, "layer", stem(n.slug()) + "_layer", name);
            Block oldLayer = Anatomy.of(p).layer;
            Block model = p.model();
            Block repointed = Surgery.map(model, x -> x instanceof archlab.sandbox.lang.Ast.Name nm
                    && nm.id().equals(oldLayer.name()) ? Surgery.name(name[0]) : null);
            p = Surgery.replaceBlock(p, model, repointed);
            return Surgery.prune(p);
        }
    };

    /**
     * A note's archlab fragment as a program, in the checker's harness (docs in knowledge-base/papers/README.md):
     * the params {@code d}, {@code heads}, {@code layers}, the fragment, and a trivial model so it parses. Null
     * for method notes, complete definitions and fragments that do not parse.
     */
    static Program harness(PaperNote n) {
        if (!n.hasDefinition() || n.archlabCode().contains("model(")) {
            return null;
        }
        String text = "param d = 64\nparam heads = 4\nparam layers = 2\n" + n.archlabCode().stripTrailing()
                + "\n\nmodel(tokens):\n    return tokens\n";
        Program p = parse(text);
        return p == null || Surgery.block(p, "mixer") == null && Surgery.block(p, "layer") == null ? null : p;
    }

    static Program parse(String source) {
        try {
            return Parser.parse(source, "donor.arch");
        } catch (DefinitionException e) {
            return null;
        }
    }
}
