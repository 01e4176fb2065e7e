package archlab.knowledge.mining;

import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.Store;
import archlab.knowledge.store.Subroutine;
import archlab.sandbox.ModelDefinition;
import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.Library;
import archlab.sandbox.lang.Parser;
import archlab.sandbox.lang.StandardLibrary;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Mined subroutines in the memory store: mining a campaign's experiments into its {@code subroutine}
 * rows, reading them back as {@link MinedSubroutine}s and as a {@link Library}, and counting their later
 * use. A row's id is {@code CAMPAIGN:CODE}, so mining again updates the same row (its {@code uses} keep
 * counting); its {@code details} column holds the figures that have no column of their own, as JSON.
 */
public final class SubroutineStore {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SubroutineStore() {
    }

    /**
     * The mining population of a campaign: its finished experiments whose definition is in our language and
     * checks. Done ones are successes (with their fitness, if any), failed ones the contrast; the rest
     * (proposed, queued, training, pruned) are left out. Definitions are parsed with the standard library and
     * the campaign's mined blocks, so a definition that calls a mined block parses.
     */
    public static List<MiningInput> population(Store store, String campaignId) {
        Library library = library(store, campaignId, StandardLibrary.library());
        List<MiningInput> out = new ArrayList<>();
        ExperimentQuery q = ExperimentQuery.campaign(campaignId).statuses(ExperimentStatus.DONE, ExperimentStatus.FAILED);
        for (Experiment e : store.experiments().list(q)) {
            if (!e.trainable()) {
                continue;
            }
            ArchGraph graph;
            try {
                graph = ModelDefinition.parse(e.definition(), e.id() + ".arch", library, Map.of()).graph();
            } catch (DefinitionException | RuntimeException ex) {
                continue; // checked once, but no longer (a mined block it called is gone)
            }
            boolean failed = e.status() == ExperimentStatus.FAILED;
            out.add(new MiningInput(e.id(), graph, failed ? null : e.fitness(), failed));
        }
        return out;
    }

    /** Mines a campaign's experiments and stores the subroutines found; returns what the miner returned. */
    public static SubroutineMiner.Result mineAndStore(Store store, String campaignId, SubroutineMiner miner) {
        SubroutineMiner.Result result = miner.mine(population(store, campaignId));
        store.inTransaction(tx -> {
            for (MinedSubroutine m : result.subroutines()) {
                String id = id(campaignId, m.code());
                Subroutine old = tx.subroutines().find(id).orElse(null);
                tx.subroutines().upsert(new Subroutine(id, campaignId, m.name(), m.blockSource(), m.support(),
                        m.meanFitnessWith(), m.meanFitnessWithout(), old == null ? 0 : old.uses(), details(m, result),
                        old == null ? null : old.createdAt(), null));
            }
            return null;
        });
        return result;
    }

    /** The row id of a campaign's subroutine. */
    public static String id(String campaignId, String code) {
        return (campaignId == null ? "shared" : campaignId) + ":" + code;
    }

    /**
     * The mined subroutines a campaign can use (its own and shared ones), most supported first. Rows that
     * were not written by the miner (no {@code # mined subroutine} header) are left out.
     */
    public static List<MinedSubroutine> load(Store store, String campaignId) {
        List<MinedSubroutine> out = new ArrayList<>();
        for (Subroutine s : store.subroutines().list(campaignId)) {
            MinedSubroutine m = fromRow(s);
            if (m != null) {
                out.add(m);
            }
        }
        return out;
    }

    /** A stored row as a {@link MinedSubroutine}; null when it is not a mined block. */
    public static MinedSubroutine fromRow(Subroutine s) {
        MinedSubroutine.Header header = MinedSubroutine.header(s.definition());
        if (header == null) {
            return null;
        }
        JsonNode d = parse(s.details());
        List<String> examples = new ArrayList<>();
        d.path("examples").forEach(x -> examples.add(x.asText()));
        return new MinedSubroutine(s.name(), header.code(), s.definition(), header.ops(), d.path("arity").asInt(0),
                s.support(), d.path("supportFraction").asDouble(0), d.path("bestSupport").asInt(0),
                d.path("failureSupport").asInt(0), s.meanFitnessWith(), s.meanFitnessWithout(),
                d.hasNonNull("contrastFailures") ? d.get("contrastFailures").asDouble() : null,
                d.path("score").asDouble(0), examples);
    }

    /**
     * {@code base} with the campaign's mined blocks, for the planner and the coder to offer and for checking
     * definitions that call them. A stored block that no longer parses is skipped.
     */
    public static Library library(Store store, String campaignId, Library base) {
        Library lib = base;
        for (Subroutine s : store.subroutines().list(campaignId)) {
            if (MinedSubroutine.header(s.definition()) == null || lib.contains(s.name())) {
                continue;
            }
            String file = "mined/" + s.name() + ".arch";
            try {
                lib = lib.plus(Parser.parseLibrary(s.definition(), file), file);
            } catch (DefinitionException e) {
                // skipped: see the method comment
            }
        }
        return lib;
    }

    /**
     * The later use of mined blocks: which of the campaign's subroutines a new definition contains (by code,
     * whether it calls the block or writes the ops out), each counted once more in the store.
     */
    public static List<SubroutineUsage> trackUsage(Store store, String campaignId, ArchGraph graph) {
        List<MinedSubroutine> known = load(store, campaignId);
        List<SubroutineUsage> used = SubroutineMiner.usage(graph, known);
        for (SubroutineUsage u : used) {
            if (!store.subroutines().recordUse(id(campaignId, u.code()))) {
                store.subroutines().recordUse(id(null, u.code()));
            }
        }
        return used;
    }

    private static String details(MinedSubroutine m, SubroutineMiner.Result result) {
        ObjectNode o = JSON.createObjectNode();
        o.put("code", m.code());
        o.put("ops", m.ops());
        o.put("arity", m.arity());
        o.put("supportFraction", m.supportFraction());
        o.put("bestSupport", m.bestSupport());
        o.put("failureSupport", m.failureSupport());
        if (m.contrastFailures() != null) {
            o.put("contrastFailures", m.contrastFailures());
        }
        o.put("score", m.score());
        m.exampleExperimentIds().forEach(o.putArray("examples")::add);
        SubroutineMiner.Stats s = result.stats();
        ObjectNode mined = o.putObject("mined");
        mined.put("experiments", s.graphs());
        mined.put("best", s.best());
        mined.put("minSupport", s.minSupport());
        mined.put("failures", s.failures());
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode parse(String json) {
        if (json == null || json.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return JSON.createObjectNode();
        }
    }
}
