package archlab.agent.cli;

import archlab.sandbox.ModelDefinition;
import archlab.sandbox.export.PyTorchExporter;
import archlab.sandbox.lang.DefinitionException;
import archlab.sandbox.lang.StandardLibrary;
import archlab.sandbox.task.Mqar;
import archlab.sandbox.task.Task;
import archlab.sandbox.task.Tasks;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code archlab export-pytorch FILE [--vocab V] [--parity-dir DIR --task NAME --seed S --option k=v]}:
 * prints a standalone PyTorch module for a definition; with {@code --parity-dir}, also writes a parity
 * bundle (DJL weights, a batch, the DJL loss) that scripts/pytorch-parity.sh checks the module against.
 */
@Command(
        name = "export-pytorch",
        description = {
            "Print a standalone PyTorch nn.Module (Python source, imports only torch and math) for a model"
                + " definition: archlab export-pytorch model.arch > model.py",
            "With --parity-dir DIR, also compile it with DJL and write DIR/weights.bin, weights.json, batch.json"
                + " (one training batch of --task), expected.json (the DJL loss) and model.py;"
                + " scripts/pytorch-parity.sh checks that PyTorch gives the same loss. See docs/sandbox.md.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the module was printed (and the bundle written)",
            "1:invalid input: a definition with errors, a missing or unreadable file, a bad task option,"
                + " a bundle directory that cannot be written",
            "2:usage error",
            "70:internal error in archlab",
        })
final class ExportPytorchCommand implements Callable<Integer> {
    private static final String CUDA_LOGGER = "org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils";

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "A model definition file (.arch).")
    Path file;

    @Option(names = "--vocab", paramLabel = "V",
            description = "The vocabulary size to export with (default: the task's with --task, else the file's).")
    Integer vocab;

    @Option(names = "--parity-dir", paramLabel = "DIR",
            description = "Also write a parity bundle (weights, batch, DJL loss, model.py) to this directory.")
    Path parityDir;

    @Option(names = "--task", paramLabel = "TASK",
            description = "The task whose vocab the export uses and whose batch the bundle holds"
                + " (default with --parity-dir: mqar).")
    String task;

    @Option(names = "--seed", paramLabel = "S",
            description = "Seeds the bundle's DJL weights and its batch (default: 0).")
    Long seed;

    @Option(names = "--batch-size", paramLabel = "B",
            description = "Sequences in the bundle's batch (default: " + PyTorchExporter.DEFAULT_BATCH_SIZE + ").")
    Integer batchSize;

    @Option(names = "--option", paramLabel = "KEY=VALUE",
            description = "A task option, such as seq_len=32 or pairs=4; repeatable.")
    Map<String, String> options = new LinkedHashMap<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (parityDir == null && (seed != null || batchSize != null)) {
            throw new ParameterException(spec.commandLine(), "--seed and --batch-size are for the parity bundle;"
                    + " add --parity-dir DIR");
        }
        if (task == null && !options.isEmpty() && parityDir == null) {
            throw new ParameterException(spec.commandLine(), "--option sets a task option; add --task NAME");
        }
        if (vocab != null && vocab < 1) {
            throw new ParameterException(spec.commandLine(), "--vocab must be a positive whole number, got " + vocab);
        }
        if (batchSize != null && batchSize < 1) {
            throw new ParameterException(spec.commandLine(), "--batch-size must be at least 1, got " + batchSize);
        }
        String source = SourceFiles.read(file);

        Task t = null;
        if (task != null || parityDir != null) {
            String name = task != null ? task : Mqar.NAME;
            try {
                t = Tasks.create(name, options);
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(e.getMessage());
            }
            if (vocab != null && vocab != t.vocab()) {
                throw new InvalidInputException("--vocab " + vocab + " differs from task " + t.name() + "'s vocab "
                        + t.vocab() + "; leave --vocab out, or set the task's with --option vocab=" + vocab);
            }
        }
        Map<String, Integer> overrides = new LinkedHashMap<>();
        if (t != null) {
            overrides.put("vocab", t.vocab());
            overrides.put("seq_len", t.seqLen());
        } else if (vocab != null) {
            overrides.put("vocab", vocab);
        }

        ModelDefinition definition;
        try {
            definition = ModelDefinition.parse(source, file.toString(), StandardLibrary.library(), overrides);
        } catch (DefinitionException e) {
            Diagnostics.print(err, e.diagnostics());
            return ExitCodes.INVALID_INPUT;
        }
        String module = PyTorchExporter.export(definition);

        if (parityDir != null) {
            // DJL's GPU probe warns that "the CUDA driver is insufficient" on every CPU-only machine
            if (System.getProperty(CUDA_LOGGER) == null) {
                System.setProperty(CUDA_LOGGER, "error");
            }
            if (Files.exists(parityDir) && !Files.isDirectory(parityDir)) {
                throw new InvalidInputException(parityDir + ": exists and is not a directory");
            }
            PyTorchExporter.ParityResult r;
            try {
                r = PyTorchExporter.writeParityBundle(definition, t, seed != null ? seed : 0,
                        batchSize != null ? batchSize : PyTorchExporter.DEFAULT_BATCH_SIZE, parityDir);
            } catch (IOException e) {
                throw new InvalidInputException(parityDir + ": cannot write the parity bundle (" + e.getMessage() + ")");
            }
            err.printf(Locale.ROOT, "archlab: wrote a parity bundle to %s: %s on %s, %,d parameters in %d arrays,"
                            + " DJL loss %.6f%n", parityDir, definition.name(), t.name(), r.parameters(),
                    r.weightArrays(), r.loss());
            err.flush();
        }
        out.print(module);
        out.flush();
        return ExitCodes.OK;
    }
}
