package archlab.evaluators.tabular;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * An evaluator that looks an architecture's accuracy up in a table instead of training it: a tabular
 * benchmark such as NAS-Bench-201, stored as a CSV file with the header {@code arch,test_acc} and one
 * row per architecture. The architecture string is opaque here; the search space that proposes
 * architectures writes them in the table's notation.
 *
 * <p>Reading is strict, because a silently skipped row would change what the benchmark measures: a
 * missing or different header, a row without exactly two fields, an empty architecture, an accuracy
 * that is not a finite number, or an architecture listed twice is an error that names the file and
 * line.
 */
public final class TabularEvaluator {
    /** The required header. */
    public static final List<String> HEADER = List.of("arch", "test_acc");

    private final String source;
    private final Map<String, Double> accuracy;
    private final double optimum;
    private final double mean;

    private TabularEvaluator(String source, Map<String, Double> accuracy) {
        this.source = source;
        this.accuracy = Collections.unmodifiableMap(accuracy);
        double best = Double.NEGATIVE_INFINITY;
        double sum = 0;
        for (double a : accuracy.values()) {
            best = Math.max(best, a);
            sum += a;
        }
        this.optimum = best;
        this.mean = sum / accuracy.size();
    }

    /** Reads a table file. */
    public static TabularEvaluator read(Path file) {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new TableException(file + ": no such file");
        } catch (IOException e) {
            throw new TableException(file + ": cannot read: " + e.getMessage());
        }
    }

    /** Reads a table; {@code source} names it in errors. */
    public static TabularEvaluator read(Reader in, String source) throws IOException {
        CsvMapper csv = new CsvMapper();
        csv.enable(CsvParser.Feature.WRAP_AS_ARRAY);
        Map<String, Double> rows = new LinkedHashMap<>();
        try (MappingIterator<String[]> it = csv.readerFor(String[].class).readValues(in)) {
            if (!it.hasNextValue()) {
                throw new TableException(source + ": the file is empty; expected the header arch,test_acc");
            }
            List<String> header = trimmed(it.nextValue());
            if (!header.equals(HEADER)) {
                throw new TableException(source + ":1: expected the header arch,test_acc, found " + String.join(",", header));
            }
            while (it.hasNextValue()) {
                String[] row = it.nextValue();
                long line = it.getParser().currentTokenLocation().getLineNr();
                if (row.length == 0 || row.length == 1 && row[0].isBlank()) {
                    continue; // a blank line, usually the last one
                }
                if (row.length != 2) {
                    throw new TableException(source + ":" + line + ": expected 2 fields (arch,test_acc), found "
                            + row.length);
                }
                String arch = row[0].strip();
                if (arch.isEmpty()) {
                    throw new TableException(source + ":" + line + ": the architecture is empty");
                }
                double acc;
                try {
                    acc = Double.parseDouble(row[1].strip());
                } catch (NumberFormatException e) {
                    throw new TableException(source + ":" + line + ": test_acc is not a number: '" + row[1] + "'");
                }
                if (!Double.isFinite(acc)) {
                    throw new TableException(source + ":" + line + ": test_acc is not finite: " + row[1]);
                }
                if (rows.putIfAbsent(arch, acc) != null) {
                    throw new TableException(source + ":" + line + ": architecture listed twice: " + arch);
                }
            }
        } catch (JsonProcessingException e) {
            throw new TableException(source + ":" + e.getLocation().getLineNr() + ": malformed CSV: "
                    + e.getOriginalMessage());
        }
        if (rows.isEmpty()) {
            throw new TableException(source + ": the table has a header but no rows");
        }
        return new TabularEvaluator(source, rows);
    }

    /** A table from rows already in memory (tests, transformed tables). */
    public static TabularEvaluator of(String source, Map<String, Double> rows) {
        if (rows.isEmpty()) {
            throw new TableException(source + ": the table has no rows");
        }
        for (Map.Entry<String, Double> e : rows.entrySet()) {
            if (e.getKey() == null || e.getKey().isBlank() || e.getValue() == null || !Double.isFinite(e.getValue())) {
                throw new TableException(source + ": bad row " + e.getKey() + "," + e.getValue());
            }
        }
        return new TabularEvaluator(source, new LinkedHashMap<>(rows));
    }

    private static List<String> trimmed(String[] row) {
        List<String> out = new ArrayList<>(row.length);
        for (String s : row) {
            out.add(s.strip());
        }
        return out;
    }

    /** The architecture's accuracy; an error naming the table when the table does not list it. */
    public double accuracy(String arch) {
        Double a = accuracy.get(arch);
        if (a == null) {
            throw new TableException("architecture not in " + source + ": " + arch);
        }
        return a;
    }

    /** The architecture's accuracy, or empty when the table does not list it. */
    public OptionalDouble find(String arch) {
        Double a = accuracy.get(arch);
        return a == null ? OptionalDouble.empty() : OptionalDouble.of(a);
    }

    /** The best accuracy in the table. */
    public double optimum() {
        return optimum;
    }

    /** The mean accuracy over the table: what a random architecture scores on average. */
    public double mean() {
        return mean;
    }

    public int size() {
        return accuracy.size();
    }

    /** Every architecture with its accuracy, in file order. */
    public Map<String, Double> rows() {
        return accuracy;
    }

    /** The file (or name) the table came from. */
    public String source() {
        return source;
    }
}
