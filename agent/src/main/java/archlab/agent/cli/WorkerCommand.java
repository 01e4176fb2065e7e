package archlab.agent.cli;

import archlab.agent.slurm.RemoteWorker;
import archlab.agent.slurm.WorkerEnvironment;
import archlab.knowledge.store.Store;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code archlab worker --evaluation KEY}: what a Slurm job runs (docs/scale-out.md). */
@Command(
        name = "worker",
        description = {
            "Run one evaluation of a campaign that runs on a cluster: read its request from the shared store,"
                + " train it in the sandbox (the same worker processes, limits and diagnostics as a local campaign),"
                + " and write the result to the store, once.",
            "Slurm jobs that archlab submits run this; people rarely do. The store's URL comes from --store or"
                + " the environment variable " + WorkerEnvironment.STORE_URL + " (which keeps its password off"
                + " command lines); the job id from --job or SLURM_JOB_ID.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the evaluation has a result (written now, or by an earlier job)",
            "1:invalid input: no store URL, or no such evaluation in the store",
            "2:usage error",
            "70:internal error",
            "75:no result was written (the sandbox was killed from outside, as by scancel); the coordinator"
                + " submits the evaluation again"})
final class WorkerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--evaluation", required = true, paramLabel = "KEY",
            description = "The evaluation's key in the store (experiment/stage/seed).")
    String evaluation;

    @Option(names = "--store", paramLabel = "JDBC_URL",
            description = "The shared store (default: $" + WorkerEnvironment.STORE_URL + ").")
    String store;

    @Option(names = "--job", paramLabel = "ID", description = "This job's id (default: $SLURM_JOB_ID).")
    String job;

    @Option(names = "--threads", paramLabel = "N",
            description = "Training threads (default: the request's own, else $SLURM_CPUS_PER_TASK).")
    int threads;

    @Override
    public Integer call() {
        String url = store != null ? store : System.getenv(WorkerEnvironment.STORE_URL);
        if (url == null || url.isBlank()) {
            throw new InvalidInputException("no store: give --store JDBC_URL or set " + WorkerEnvironment.STORE_URL);
        }
        String jobId = job != null ? job : System.getenv("SLURM_JOB_ID");
        int n = threads > 0 ? threads : parse(System.getenv("SLURM_CPUS_PER_TASK"));
        try (Store s = RunStores.open(url, true)) {
            return new RemoteWorker(s.remoteEvaluations(), spec.commandLine().getErr()).run(evaluation, jobId, n, host());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }

    private static int parse(String v) {
        try {
            return v == null ? 0 : Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String host() {
        String node = System.getenv("SLURMD_NODENAME");
        if (node != null && !node.isBlank()) {
            return node;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }
}
