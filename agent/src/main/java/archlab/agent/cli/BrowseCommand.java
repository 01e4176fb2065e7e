package archlab.agent.cli;

import archlab.agent.browser.BrowseServer;
import archlab.knowledge.store.Store;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code archlab browse RUN... [--port P] [--bind ADDR] [--token T]}: the experiment browser (docs/browser.md). */
@Command(
        name = "browse",
        description = {"Serve a web UI over campaigns: overview, experiments table, search tree, experiment pages,",
            "knowledge and comparison, with live updates while a campaign runs. Reads the stores only."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped (Ctrl-C)", "1:a RUN holds no store, or the port is taken",
            "2:usage error (another address than loopback without --token)"})
final class BrowseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "RUN", description = "Run folders, or JDBC URLs of shared stores.")
    List<String> runs;

    @Option(names = "--port", paramLabel = "P", defaultValue = "" + BrowseServer.DEFAULT_PORT,
            description = "The port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--bind", paramLabel = "ADDR", defaultValue = BrowseServer.DEFAULT_BIND,
            description = "The address to listen on (default ${DEFAULT-VALUE}). Any other than loopback needs --token.")
    String bind;

    @Option(names = "--token", paramLabel = "T",
            description = "A secret of 8 or more characters every request must carry: open the printed address"
                    + " (…/?token=T), or send the header " + BrowseServer.TOKEN_HEADER + ".")
    String token;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        if (port < 0 || port > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port must be 0 to 65535, not " + port);
        }
        if (token == null && !BrowseServer.isLoopback(bind)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--bind " + bind
                    + " would expose the campaigns beyond this machine; give --token too");
        }
        if (token != null && token.length() < 8) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--token must be at least 8 characters long");
        }
        List<Store> stores = new ArrayList<>();
        BrowseServer server;
        try {
            for (String run : runs) {
                stores.add(RunStores.open(run, true));
            }
            BrowseServer.Builder b = BrowseServer.builder().bind(bind).port(port).token(token);
            stores.forEach(b::store);
            server = b.build().start();
        } catch (RuntimeException e) {
            stores.forEach(Store::close);
            if (e instanceof InvalidInputException) {
                throw e;
            }
            throw new InvalidInputException("cannot start the browser on " + bind + ":" + port + ": " + e.getMessage());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stores.forEach(Store::close);
            stopped.countDown();
        }, "archlab-browse-stop"));
        String host = bind.contains(":") ? "[" + bind + "]" : bind;
        out.println("archlab browse: http://" + host + ":" + server.port() + "/"
                + (token == null ? "" : "?" + BrowseServer.TOKEN_PARAM + "=" + token));
        out.println(server.campaigns().size() + " campaign(s); reading only, but for notes and tags; Ctrl-C stops");
        out.flush();
        stopped.await();
        return ExitCodes.OK;
    }
}
