package archlab.agent.search.nb201;

import archlab.evaluators.tabular.TabularEvaluator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A made-up NAS-Bench-201 table for tests that must run without the shared data: every cell gets an
 * accuracy from per-edge operation effects, one interaction between edges and seeded noise, and a
 * cell whose output is cut off from its input scores 10 (chance on ten classes), as in the real table.
 */
public final class SyntheticTable {
    private SyntheticTable() {
    }

    public static Map<String, Double> rows(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] effect = new double[Nb201Cell.EDGES][Nb201Cell.OPS.size()];
        for (double[] row : effect) {
            for (int op = 0; op < row.length; op++) {
                row[op] = rng.nextDouble() * 3;
            }
        }
        Map<String, Double> rows = new LinkedHashMap<>();
        for (int code = 0; code < Nb201Cell.SIZE; code++) {
            Nb201Cell c = new Nb201Cell(code);
            double acc;
            if (CellFeatures.of(c).containsKey("disconnected")) {
                acc = 10.0;
            } else {
                acc = 70;
                for (int e = 0; e < Nb201Cell.EDGES; e++) {
                    acc += effect[e][c.op(e)];
                }
                if (c.op(2) == c.op(5)) {
                    acc += 2; // an interaction no single edge explains
                }
                acc += rng.nextDouble() * 0.5;
            }
            rows.put(c.arch(), Math.round(acc * 1e4) / 1e4);
        }
        return rows;
    }

    public static TabularEvaluator table(long seed) {
        return TabularEvaluator.of("synthetic-" + seed, rows(seed));
    }

    /** Writes the table as a CSV file in the benchmark's format. */
    public static Path write(Path file, long seed) throws IOException {
        StringBuilder b = new StringBuilder("arch,test_acc\n");
        rows(seed).forEach((arch, acc) -> b.append(arch).append(',').append(acc).append('\n'));
        Files.writeString(file, b);
        return file;
    }
}
