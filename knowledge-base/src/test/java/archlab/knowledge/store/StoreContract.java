package archlab.knowledge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.sandbox.ModelDefinition;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.train.Failure;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every store must do, whatever database is under it: H2 ({@link H2StoreTest}) and PostgreSQL
 * ({@link PostgresStoreTest}) run these same tests on a fresh, migrated database.
 */
abstract class StoreContract {
    protected Store store;
    protected Campaign campaign;

    /** A fresh, empty store. */
    protected abstract Store openStore() throws Exception;

    @BeforeEach
    void setUp() throws Exception {
        store = openStore();
        campaign = store.campaigns().insert(Campaign.create("contract", "name: contract\n", "offline"));
    }

    @AfterEach
    void tearDown() {
        if (store != null) {
            store.close();
        }
    }

    private Experiment.Builder experiment(String id) {
        return Experiment.builder(id, campaign.id()).name(id).hypothesis(Hypothesis.titled("try " + id));
    }

    @Test
    void campaignsRoundTrip() {
        assertThat(store.campaigns().find(campaign.id())).contains(campaign);
        assertThat(store.campaigns().findByName("contract")).contains(campaign);
        assertThat(store.campaigns().updateStatus(campaign.id(), CampaignStatus.RUNNING)).isTrue();
        assertThat(store.campaigns().updateSpend(campaign.id(), "{\"money_usd\":1.5}")).isTrue();
        Campaign updated = store.campaigns().update(store.campaigns().find(campaign.id()).orElseThrow()
                .withBudgets("{\"experiments\":10}"));
        assertThat(updated.status()).isEqualTo(CampaignStatus.RUNNING);
        assertThat(updated.spend()).isEqualTo("{\"money_usd\":1.5}");
        assertThat(updated.budgets()).isEqualTo("{\"experiments\":10}");
        assertThat(updated.createdAt()).isEqualTo(campaign.createdAt());
        assertThat(store.campaigns().list()).extracting(Campaign::id).containsExactly(campaign.id());
        assertThat(store.campaigns().updateStatus("no-such", CampaignStatus.DONE)).isFalse();
    }

    @Test
    void summariesAndLastChangeShowWhatChangedForTheBrowser() {
        assertThat(store.experiments().lastChange(campaign.id())).isNull();
        java.time.Instant t0 = java.time.Instant.parse("2026-01-01T00:00:00Z");
        store.experiments().insert(experiment("s1").fitness(0.5).status(ExperimentStatus.DONE)
                .createdAt(t0).updatedAt(t0).build());
        store.experiments().insert(experiment("s2").parentId("s1").createdAt(t0.plusSeconds(1))
                .updatedAt(t0.plusSeconds(1)).failure("oom", "out of memory").build());
        List<ExperimentSummary> all = store.experiments().summaries(campaign.id(), null);
        assertThat(all).extracting(ExperimentSummary::id).containsExactly("s1", "s2");
        assertThat(all.get(0).fitness()).isEqualTo(0.5);
        assertThat(all.get(1).parentId()).isEqualTo("s1");
        assertThat(all.get(1).failureKind()).isEqualTo("oom");
        assertThat(all.get(0).hypothesis().title()).isEqualTo("try s1");
        assertThat(store.experiments().lastChange(campaign.id())).isEqualTo(t0.plusSeconds(1));

        Experiment changed = store.experiments().update(store.experiments().find("s1").orElseThrow().toBuilder()
                .fitness(0.7).build());
        assertThat(store.experiments().lastChange(campaign.id())).isEqualTo(changed.updatedAt());
        assertThat(store.experiments().summaries(campaign.id(), changed.updatedAt()))
                .extracting(ExperimentSummary::id, ExperimentSummary::fitness).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("s1", 0.7));

        store.llmCalls().insert(new LlmCall(null, campaign.id(), "s2", "coder", "openai", "m", "h", "p", "r", 10, 5,
                0.001, 20, LlmCall.OUTCOME_OK, null));
        store.llmCalls().insert(new LlmCall(null, campaign.id(), null, "planner", "openai", "m", "h2", "p", "r", 10, 5,
                0.001, 20, LlmCall.OUTCOME_OK, null));
        assertThat(store.llmCalls().forExperiment("s2")).extracting(LlmCall::role).containsExactly("coder");
        assertThat(store.llmCalls().forExperiment("s1")).isEmpty();
    }

    @Test
    void experimentsRoundTripEveryField() throws DefinitionException {
        ModelDefinition d = ModelDefinition.parse(TestData.tiny(1), "tiny.arch");
        Experiment e = experiment("e1").parentId("root").hypothesis(new Hypothesis("gates", "why", "lower loss"))
                .definition(d).status(ExperimentStatus.DONE).stage("s1").fitness(0.75)
                .metrics("{\"mqar\":{\"accuracy\":0.9}}").curves("{\"mqar\":[]}").wallSeconds(12.5).tokens(1000L)
                .money(0.25).failure(Failure.of("oom", "train", "out of memory")).analysis("fine")
                .extra("{\"origin\":\"x\"}").build();
        Experiment stored = store.experiments().insert(e);
        assertThat(stored.createdAt()).isNotNull();
        assertThat(store.experiments().find("e1")).contains(stored);
        assertThat(stored.canonicalHash()).isEqualTo(d.canonicalHash());
        assertThat(stored.params()).isEqualTo(d.parameterCount());
        assertThat(stored.trainable()).isTrue();
        assertThat(store.experiments().findByHash(campaign.id(), d.canonicalHash())).contains(stored);

        Experiment changed = store.experiments().update(stored.toBuilder().fitness(0.8).analysis("better").build());
        assertThat(changed.fitness()).isEqualTo(0.8);
        assertThat(changed.analysis()).isEqualTo("better");
        assertThat(changed.createdAt()).isEqualTo(stored.createdAt());
        assertThat(store.experiments().find("missing")).isEmpty();
        assertThatThrownBy(() -> store.experiments().update(experiment("missing").build()))
                .isInstanceOf(StoreException.class);
    }

    @Test
    void checkedDefinitionFlagsOneThatDoesNotCheck() {
        Experiment bad = experiment("bad").checkedDefinition(TestData.BROKEN).build();
        assertThat(bad.definitionCheck()).isEqualTo(Experiment.CHECK_INVALID);
        assertThat(bad.definitionErrors()).contains("undefined_name");
        assertThat(bad.canonicalHash()).isNull();
        assertThat(bad.trainable()).isFalse();
        Experiment good = experiment("good").checkedDefinition(TestData.tiny(2)).build();
        assertThat(good.definitionCheck()).isEqualTo(Experiment.CHECK_OK);
        assertThat(good.canonicalHash()).isNotNull();
        store.experiments().insert(bad);
        store.experiments().insert(good);
        assertThat(store.experiments().find("bad").orElseThrow().trainable()).isFalse();
    }

    @Test
    void oneDefinitionIsOneExperimentPerCampaign() {
        store.experiments().insert(experiment("a").checkedDefinition(TestData.tiny(3)).build());
        assertThatThrownBy(() -> store.experiments().insert(experiment("b").checkedDefinition(TestData.tiny(3)).build()))
                .isInstanceOfSatisfying(StoreException.class, ex -> assertThat(ex.isUniqueViolation()).isTrue());
        // experiments without a hash (no definition yet, or a foreign one) never collide
        store.experiments().insert(experiment("c").build());
        store.experiments().insert(experiment("d").definition("class M(nn.Module): ...", "pytorch", null, null).build());
        // the same definition in another campaign is another experiment
        Campaign other = store.campaigns().insert(Campaign.create("other", null, "offline"));
        store.experiments().insert(Experiment.builder("a2", other.id()).checkedDefinition(TestData.tiny(3)).build());
        assertThat(store.experiments().count(ExperimentQuery.all())).isEqualTo(4);
    }

    @Test
    void queriesFilterSortAndCount() {
        store.experiments().insertAll(List.of(
                experiment("root").status(ExperimentStatus.DONE).fitness(0.5).stage("s1").build(),
                experiment("k1").parentId("root").status(ExperimentStatus.DONE).fitness(0.9).stage("s2")
                        .hypothesis(new Hypothesis("Sliding window 50%_off", "recall at long range", null)).build(),
                experiment("k2").parentId("root").status(ExperimentStatus.FAILED).stage("s1").build(),
                experiment("k3").parentId("root").status(ExperimentStatus.QUEUED).build(),
                experiment("g1").parentId("k1").status(ExperimentStatus.DONE).fitness(0.7).stage("s1").build()));
        ExperimentQuery q = ExperimentQuery.campaign(campaign.id());
        assertThat(store.experiments().list(q)).extracting(Experiment::id)
                .containsExactly("root", "k1", "k2", "k3", "g1");
        assertThat(store.experiments().list(q.statuses(ExperimentStatus.DONE).orderBy(ExperimentQuery.Order.FITNESS)))
                .extracting(Experiment::id).containsExactly("k1", "g1", "root");
        assertThat(store.experiments().list(q.minFitness(0.6).maxFitness(0.8))).extracting(Experiment::id)
                .containsExactly("g1");
        assertThat(store.experiments().list(q.stage("s1"))).extracting(Experiment::id)
                .containsExactly("root", "k2", "g1");
        assertThat(store.experiments().list(q.parentId("root").limit(2).offset(1))).extracting(Experiment::id)
                .containsExactly("k2", "k3");
        assertThat(store.experiments().list(q.text("RECALL"))).extracting(Experiment::id).containsExactly("k1");
        assertThat(store.experiments().list(q.text("50%_"))).extracting(Experiment::id).containsExactly("k1");
        assertThat(store.experiments().list(q.text("0_"))).isEmpty(); // '_' is a character, not a wildcard
        assertThat(store.experiments().list(q.orderBy(ExperimentQuery.Order.FITNESS)).get(4).fitness()).isNull();
        assertThat(store.experiments().count(q.statuses(ExperimentStatus.DONE, ExperimentStatus.FAILED))).isEqualTo(4);
        Map<ExperimentStatus, Long> counts = store.experiments().countByStatus(campaign.id());
        assertThat(counts).containsEntry(ExperimentStatus.DONE, 3L).containsEntry(ExperimentStatus.FAILED, 1L)
                .containsEntry(ExperimentStatus.QUEUED, 1L).containsEntry(ExperimentStatus.PRUNED, 0L);
        assertThat(store.experiments().children("root")).extracting(Experiment::id).containsExactly("k1", "k2", "k3");
        assertThat(store.experiments().best(campaign.id(), 2)).extracting(Experiment::id).containsExactly("k1", "g1");
    }

    @Test
    void statusTransitions() {
        store.experiments().insert(experiment("e").status(ExperimentStatus.QUEUED).build());
        assertThat(store.experiments().compareAndSetStatus("e", ExperimentStatus.QUEUED, ExperimentStatus.TRAINING))
                .isTrue();
        assertThat(store.experiments().compareAndSetStatus("e", ExperimentStatus.QUEUED, ExperimentStatus.TRAINING))
                .isFalse();
        assertThat(store.experiments().updateStatus("e", ExperimentStatus.DONE)).isTrue();
        assertThat(store.experiments().find("e").orElseThrow().status()).isEqualTo(ExperimentStatus.DONE);
        assertThat(store.experiments().updateStatus("nope", ExperimentStatus.DONE)).isFalse();
    }

    @Test
    void insertAllIsAllOrNothing() {
        store.experiments().insert(experiment("taken").build());
        assertThatThrownBy(() -> store.experiments().insertAll(List.of(experiment("new1").build(),
                experiment("taken").build(), experiment("new2").build()))).isInstanceOf(StoreException.class);
        assertThat(store.experiments().count(ExperimentQuery.all())).isEqualTo(1);
    }

    @Test
    void evaluationUpsertIsIdempotent() {
        store.experiments().insert(experiment("e").build());
        Evaluation first = store.evaluations().upsert(Evaluation.of("e", "s1", 0, "ok", "{\"loss\":1.0}", "[]", "{}"));
        Evaluation again = store.evaluations().upsert(Evaluation.of("e", "s1", 0, "ok", "{\"loss\":0.5}", "[]", "{}"));
        store.evaluations().upsert(Evaluation.of("e", "s1", 1, "failed", null, null, null));
        store.evaluations().upsert(Evaluation.of("e", "s2", 0, "ok", "{}", null, null));
        assertThat(again.id()).isEqualTo(first.id());
        assertThat(again.metrics()).isEqualTo("{\"loss\":0.5}");
        assertThat(again.createdAt()).isEqualTo(first.createdAt());
        assertThat(store.evaluations().forExperiment("e")).hasSize(3);
        assertThat(store.evaluations().find("e", "s1", 1).orElseThrow().status()).isEqualTo("failed");
        assertThatThrownBy(() -> store.evaluations().upsert(Evaluation.of("no-such", "s1", 0, "ok", null, null, null)))
                .isInstanceOf(StoreException.class);
    }

    @Test
    void llmCallsServeAsReplayCache() {
        LlmCall failed = store.llmCalls().insert(call("h1", "error", null));
        LlmCall ok = store.llmCalls().insert(call("h1", "ok", "answer"));
        store.llmCalls().insert(call("h2", "ok", "other"));
        assertThat(ok.id()).isNotNull().isNotEqualTo(failed.id());
        assertThat(store.llmCalls().replay("h1")).contains(ok);
        assertThat(store.llmCalls().replay("h3")).isEmpty();
        assertThat(store.llmCalls().byPromptHash("h1")).hasSize(2);
        assertThat(store.llmCalls().find(failed.id())).contains(failed);
        assertThat(store.llmCalls().forCampaign(campaign.id())).hasSize(3);
        LlmCalls.Spend spend = store.llmCalls().spend(campaign.id());
        assertThat(spend.calls()).isEqualTo(3);
        assertThat(spend.tokensIn()).isEqualTo(300);
        assertThat(spend.cost()).isEqualTo(0.03, org.assertj.core.data.Offset.offset(1e-9));
    }

    private LlmCall call(String hash, String outcome, String response) {
        return new LlmCall(null, campaign.id(), null, "planner", "openai", "gpt-x", hash, "prompt " + hash, response,
                100, 20, 0.01, 1200, outcome, null);
    }

    @Test
    void directivesAreNumberedAndResolved() {
        Directive a = store.directives().add(campaign.id(), "focus on recall", null);
        Directive b = store.directives().add(campaign.id(), "no attention", "{\"ban\":[\"softmax_attention\"]}");
        assertThat(a.seq()).isEqualTo(1);
        assertThat(b.seq()).isEqualTo(2);
        assertThat(store.directives().resolve(a.id(), DirectiveStatus.APPLIED, "{\"focus\":\"recall\"}", "weights"))
                .isTrue();
        assertThat(store.directives().pending(campaign.id())).extracting(Directive::seq).containsExactly(2);
        Directive applied = store.directives().find(a.id()).orElseThrow();
        assertThat(applied.status()).isEqualTo(DirectiveStatus.APPLIED);
        assertThat(applied.appliedAt()).isNotNull();
        assertThat(applied.effect()).isNull();
        assertThat(store.directives().recordEffect(a.id(), "rejected 3 candidates")).isTrue();
        assertThat(store.directives().find(a.id()).orElseThrow().effect()).isEqualTo("rejected 3 candidates");
        assertThat(store.directives().recordEffect(-1, "nothing")).isFalse();
        assertThat(store.directives().revoke(b.id(), "revoked by #3")).as("only an applied directive is revoked").isFalse();
        assertThat(store.directives().revoke(a.id(), "revoked by #3")).isTrue();
        Directive revoked = store.directives().find(a.id()).orElseThrow();
        assertThat(revoked.status()).isEqualTo(DirectiveStatus.REVOKED);
        assertThat(revoked.effect()).isEqualTo("revoked by #3");
        assertThat(store.directives().list(campaign.id())).extracting(Directive::text)
                .containsExactly("focus on recall", "no attention");
    }

    @Test
    void notesAndTagsOnExperiments() {
        store.experiments().insert(experiment("e1").build());
        store.experiments().insert(experiment("e2").build());
        Note first = store.notes().add(Note.note("e1", campaign.id(), "  recall jumps after step 300 "));
        assertThat(first.id()).isNotNull();
        assertThat(first.text()).isEqualTo("recall jumps after step 300");
        store.notes().add(Note.tag("e1", campaign.id(), "keep"));
        store.notes().add(Note.tag("e1", campaign.id(), "keep"));   // tagging twice changes nothing
        store.notes().add(Note.tag("e2", campaign.id(), "needs-seeds"));
        store.notes().add(Note.note("e1", campaign.id(), "second note, ünïcödé"));
        assertThat(store.notes().forExperiment("e1")).extracting(Note::kind, Note::text).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Note.Kind.NOTE, "recall jumps after step 300"),
                org.assertj.core.groups.Tuple.tuple(Note.Kind.TAG, "keep"),
                org.assertj.core.groups.Tuple.tuple(Note.Kind.NOTE, "second note, ünïcödé"));
        assertThat(store.notes().tags(campaign.id())).containsOnlyKeys("e1", "e2")
                .containsEntry("e1", List.of("keep")).containsEntry("e2", List.of("needs-seeds"));
        assertThat(store.notes().removeTag("e1", "keep")).isTrue();
        assertThat(store.notes().removeTag("e1", "keep")).isFalse();
        assertThat(store.notes().tags(campaign.id())).containsOnlyKeys("e2");
        assertThatThrownBy(() -> store.notes().add(Note.tag("e1", campaign.id(), "two words")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one word");
        assertThatThrownBy(() -> store.notes().add(Note.note("e1", campaign.id(), "  ")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs some text");
    }

    @Test
    void insightsLinkExperimentsAndPapers() {
        store.experiments().insert(experiment("e1").build());
        store.experiments().insert(experiment("e2").build());
        Insight i = store.insights().insert(Insight.of(campaign.id(), "gates help recall", List.of("e2", "e1"),
                List.of("gated-deltanet")));
        store.insights().insert(Insight.of(campaign.id(), "unrelated", List.of(), List.of()));
        assertThat(i.id()).isNotNull();
        assertThat(store.insights().forExperiment("e1")).singleElement().satisfies(x -> {
            assertThat(x.text()).isEqualTo("gates help recall");
            assertThat(x.experimentIds()).containsExactly("e1", "e2");
            assertThat(x.paperIds()).containsExactly("gated-deltanet");
        });
        assertThat(store.insights().forCampaign(campaign.id())).hasSize(2);
        // a link to an experiment that does not exist fails, and takes the insight with it
        assertThatThrownBy(() -> store.insights().insert(Insight.of(campaign.id(), "x", List.of("ghost"), List.of())))
                .isInstanceOf(StoreException.class);
        assertThat(store.insights().forCampaign(campaign.id())).hasSize(2);
    }

    @Test
    void subroutinesKeepTheirUseCountWhenMinedAgain() {
        store.subroutines().upsert(new Subroutine("sub-1", campaign.id(), "gated_mix", "block gated_mix(x): ...", 5,
                0.7, 0.5, 0, "{}", null, null));
        store.subroutines().upsert(new Subroutine("shared", null, "conv_mix", "block conv_mix(x): ...", 9, null, null,
                0, null, null, null));
        assertThat(store.subroutines().recordUse("sub-1")).isTrue();
        assertThat(store.subroutines().recordUse("sub-1")).isTrue();
        Subroutine again = store.subroutines().upsert(new Subroutine("sub-1", campaign.id(), "gated_mix",
                "block gated_mix(x): ...", 7, 0.72, 0.5, 0, "{}", null, null));
        assertThat(again.support()).isEqualTo(7);
        assertThat(again.uses()).isEqualTo(2);
        assertThat(store.subroutines().list(campaign.id())).extracting(Subroutine::id).containsExactly("shared", "sub-1");
        assertThat(store.subroutines().list(null)).hasSize(2);
        assertThat(store.subroutines().find("shared").orElseThrow().meanFitnessWith()).isNull();
    }

    @Test
    void paperNotesUpsert() {
        store.paperNotes().upsert(new PaperNoteRow("gla", "Gated Linear Attention", "Yang et al.", 2023, "2312.06635",
                List.of("linear-attention", "gating"), "body", null));
        store.paperNotes().upsert(new PaperNoteRow("gla", "Gated Linear Attention Transformers", "Yang et al.", 2023,
                "2312.06635", List.of("gating"), "body 2", null));
        assertThat(store.paperNotes().list()).singleElement().satisfies(n -> {
            assertThat(n.title()).isEqualTo("Gated Linear Attention Transformers");
            assertThat(n.tags()).containsExactly("gating");
            assertThat(n.year()).isEqualTo(2023);
        });
    }

    @Test
    void transactionsCommitTogetherOrNotAtAll() {
        assertThatThrownBy(() -> store.inTransaction(tx -> {
            tx.experiments().insert(experiment("t1").build());
            tx.evaluations().upsert(Evaluation.of("t1", "s1", 0, "ok", null, null, null));
            throw new IllegalStateException("boom");
        })).isInstanceOf(IllegalStateException.class).hasMessage("boom");
        assertThat(store.experiments().find("t1")).isEmpty();

        String id = store.inTransaction(tx -> {
            tx.experiments().insert(experiment("t2").build());
            // nested: joins the outer transaction
            tx.inTransaction(inner -> inner.evaluations().upsert(Evaluation.of("t2", "s1", 0, "ok", null, null, null)));
            tx.directives().add(campaign.id(), "from a transaction", null);
            return "t2";
        });
        assertThat(store.experiments().find(id)).isPresent();
        assertThat(store.evaluations().forExperiment(id)).hasSize(1);
        assertThat(store.directives().list(campaign.id())).hasSize(1);

        // a database error inside rolls back everything before it
        assertThatThrownBy(() -> store.inTransaction(tx -> {
            tx.experiments().insert(experiment("t3").build());
            tx.experiments().insert(experiment("t2").build());
            return null;
        })).isInstanceOfSatisfying(StoreException.class, ex -> assertThat(ex.isUniqueViolation()).isTrue());
        assertThat(store.experiments().find("t3")).isEmpty();
    }
}
