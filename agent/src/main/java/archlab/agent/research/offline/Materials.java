package archlab.agent.research.offline;

import archlab.agent.research.ResearchContext;
import archlab.knowledge.papers.PaperIndex;
import archlab.knowledge.papers.PaperNote;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.Subroutine;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an edit may take from outside the parent: donor definitions to recombine with (the campaign's best
 * experiments, then its seeds), mined subroutines to splice in, and the paper notes retrieved for the node
 * (those with an archlab block can be transplanted).
 */
record Materials(List<Donor> donors, List<Subroutine> subroutines, List<PaperNote> notes) {
    /** A definition to take parts from: {@code id} is an experiment id or {@code seed:N}. */
    record Donor(String id, String label, String source) {
    }


    Materials {
        donors = List.copyOf(donors);
        subroutines = List.copyOf(subroutines);
        notes = List.copyOf(notes);
    }

    static Materials of(ResearchContext context) {
        Map<String, Donor> donors = new LinkedHashMap<>();
        for (Experiment e : context.references()) {
            if (e.trainable() && (context.node() == null || !e.id().equals(context.node().id()))) {
                donors.put(e.id(), new Donor(e.id(), e.name() != null ? e.name() : e.id(), e.definition()));
            }
        }
        for (int i = 0; i < context.seeds().size(); i++) {
            String s = context.seeds().get(i);
            donors.put("seed:" + i, new Donor("seed:" + i, archName(s, "seed" + i), s));
        }
        List<PaperNote> notes = new ArrayList<>();
        for (PaperIndex.Hit h : context.papers()) {
            notes.add(h.note());
        }
        return new Materials(List.copyOf(donors.values()), context.subroutines(), notes);
    }

    Donor donor(String id) {
        return donors.stream().filter(d -> d.id().equals(id)).findFirst().orElse(null);
    }

    /** The name after {@code arch} in a source, or {@code fallback}. */
    static String archName(String source, String fallback) {
        for (String line : source.lines().toList()) {
            String t = line.strip();
            if (t.startsWith("arch ") && t.length() > 5) {
                return t.substring(5).strip().split("\\s+")[0];
            }
        }
        return fallback;
    }
}
