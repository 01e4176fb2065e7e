package archlab.knowledge.store;

import java.nio.file.Path;
import java.util.List;

/**
 * A second process for {@link TwoProcessStoreTest}: opens the run folder's store and writes
 * {@code n} experiments (each with an evaluation written twice, an LLM call, and every tenth a
 * directive), claims queued experiments as it goes, and reads counts between writes. Prints
 * {@code ready} once the store is open and waits for a line {@code go} on stdin; with a second count
 * M, it then prints {@code paused}, waits for another {@code go}, and writes M more. Prints
 * {@code claims=K} and {@code done} at the end. Any error ends it with exit code 1 and the stack
 * trace on stderr.
 *
 * <p>Arguments: RUN_DIR CAMPAIGN_ID PREFIX N [M]; CAMPAIGN_ID {@code -} makes a campaign named PREFIX.
 */
public final class StoreWriterMain {
    private StoreWriterMain() {
    }

    public static void main(String[] args) {
        Path runDir = Path.of(args[0]);
        String prefix = args[2];
        int n = Integer.parseInt(args[3]);
        int more = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                java.nio.charset.StandardCharsets.UTF_8));
        try (Store store = Store.openRunFolder(runDir)) {
            // "-": a campaign of its own, named after the prefix
            String campaignId = args[1].equals("-")
                    ? store.campaigns().insert(Campaign.create(prefix, null, "offline")).id() : args[1];
            System.out.println("ready");
            System.out.flush();
            awaitGo(in);
            long start = System.nanoTime();
            int claims = write(store, campaignId, prefix, 0, n);
            if (more > 0) {
                System.out.println("paused");
                System.out.flush();
                awaitGo(in);
                claims += write(store, campaignId, prefix, n, more);
            }
            System.out.println("claims=" + claims);
            System.out.println("ms=" + (System.nanoTime() - start) / 1_000_000);
            System.out.println("done");
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
    }

    /** Waits for the test's "go", so that writers start (or go on) when the test says. */
    private static void awaitGo(java.io.BufferedReader in) throws java.io.IOException {
        String go = in.readLine();
        if (!"go".equals(go)) {
            throw new IllegalStateException("expected go on stdin, got " + go);
        }
    }

    /**
     * The writer's work: experiments {@code PREFIX-from} to {@code PREFIX-(from+n-1)}. Also run by
     * threads of the test process. Returns how many queued experiments it claimed.
     */
    static int write(Store store, String campaignId, String prefix, int from, int n) {
        int claims = 0;
        for (int i = from; i < from + n; i++) {
            String id = prefix + "-" + i;
            double fitness = (double) (i % 100) / 100;
            store.inTransaction(tx -> {
                tx.experiments().insert(Experiment.builder(id, campaignId).name(id)
                        .hypothesis(Hypothesis.titled("written by " + prefix)).status(ExperimentStatus.DONE)
                        .fitness(fitness).build());
                tx.evaluations().upsert(Evaluation.of(id, "s1", 0, "ok", "{\"loss\":1}", null, null));
                return null;
            });
            // the same evaluation again (a requeued job reporting twice): one row, not two
            store.evaluations().upsert(Evaluation.of(id, "s1", 0, "ok", "{\"loss\":0.5}", null, null));
            store.llmCalls().insert(new LlmCall(null, campaignId, id, "planner", "test", "m", "hash-" + id, "prompt",
                    "response", 10, 5, 0.001, 3, "ok", null));
            if (i % 10 == 0) {
                store.directives().add(campaignId, prefix + " says " + i, null);
            }
            List<Experiment> queued = store.experiments().list(ExperimentQuery.campaign(campaignId)
                    .statuses(ExperimentStatus.QUEUED).limit(3));
            for (Experiment q : queued) {
                if (store.experiments().compareAndSetStatus(q.id(), ExperimentStatus.QUEUED, ExperimentStatus.TRAINING)) {
                    store.experiments().update(q.toBuilder().status(ExperimentStatus.TRAINING).analysis(prefix).build());
                    claims++;
                    break;
                }
            }
            if (store.experiments().count(ExperimentQuery.campaign(campaignId).text("written by " + prefix)) < i + 1) {
                throw new IllegalStateException("lost rows: fewer experiments than this writer wrote");
            }
        }
        return claims;
    }
}
