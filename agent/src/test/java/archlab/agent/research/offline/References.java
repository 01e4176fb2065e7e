package archlab.agent.research.offline;

import archlab.knowledge.papers.PaperNote;
import archlab.knowledge.papers.PaperLibrary;
import archlab.knowledge.store.Subroutine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The reference architectures and the material the edits draw on, for the offline policy's tests. */
final class References {
    /** Maven runs a module's tests in the module's folder. */
    static final Path DIR = Path.of("..", "knowledge-base", "architectures");
    static final List<String> NAMES = List.of("based", "deltanet", "gla", "hyena", "linear_attention", "mamba",
            "retnet", "transformer");
    /** A mined block as the miner writes it (docs/memory.md). */
    static final Subroutine MINED = new Subroutine("c:948b3eabbe5b45c9", "c", "mined_948b3eabbe",
            "# mined subroutine 948b3eabbe5b45c9: 5 ops, 1 input\n# support 30 successful experiments (33%)\n"
                    + "block mined_948b3eabbe(a):\n    return silu(linear(a, size(a, -1))) * sigmoid(conv1d(a, 4))\n",
            30, 0.6, 0.49, 0, null, null, null);

    private References() {
    }

    static String source(String name) {
        try {
            return Files.readString(DIR.resolve(name + ".arch"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<PaperNote> notes() {
        return PaperLibrary.fromClasspath().strict();
    }

    /** Every reference as a donor, every note, one mined block. */
    static Materials materials() {
        List<Materials.Donor> donors = new ArrayList<>();
        for (int i = 0; i < NAMES.size(); i++) {
            donors.add(new Materials.Donor("seed:" + i, NAMES.get(i), source(NAMES.get(i))));
        }
        return new Materials(donors, List.of(MINED), notes());
    }
}
