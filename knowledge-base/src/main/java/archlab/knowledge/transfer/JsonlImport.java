package archlab.knowledge.transfer;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.CampaignStatus;
import archlab.knowledge.store.Evaluation;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.Ids;
import archlab.knowledge.store.Store;
import archlab.knowledge.store.StoreException;
import archlab.knowledge.transfer.ExperimentLine.BadLine;
import archlab.knowledge.transfer.ExperimentLine.Parsed;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * {@code archlab import FILE.jsonl --out RUN}: loads experiments, one JSON object per line, into a new
 * campaign. All or nothing: every line is read and checked first, and the campaign, experiments and
 * evaluations are written in one transaction; any malformed line stops the import with its line
 * number and the reason, and nothing is written.
 *
 * <p>Definitions in our language are checked: one that checks gets its canonical hash, parameters
 * and FLOPs recomputed and is trainable; one that does not is imported anyway, flagged
 * {@code definition_check = invalid} with the checker's errors. A definition in another language is
 * kept as text, browsable but not trainable. The JSONL format is in docs/store.md.
 */
public final class JsonlImport {
    /** At most this many problems are listed in an {@link ImportException}. */
    public static final int MAX_REPORTED = 20;

    private JsonlImport() {
    }

    /**
     * Imports {@code file} into a new campaign of {@code store}: {@link #read} then {@link Prepared#into}.
     *
     * @param campaignName the new campaign's name; null takes the first line's {@code campaign}
     *                     field, else the file's name without its extension
     * @throws ImportException when the file cannot be imported; nothing was written
     */
    public static ImportReport importFile(Store store, Path file, String campaignName)
            throws ImportException, IOException {
        return read(file).into(store, campaignName);
    }

    /**
     * Reads and checks every line of {@code file} without touching any store: a malformed file is
     * refused before a store is even opened (so {@code archlab import} creates no empty run folder).
     */
    public static Prepared read(Path file) throws ImportException, IOException {
        long start = System.nanoTime();
        String label = file.toString();
        List<String> lines = new ArrayList<>();
        List<Integer> tooLong = new ArrayList<>();
        // Line by line with a cap, so that a file with a gigabyte on one line is refused, not loaded.
        var decoder = StandardCharsets.UTF_8.newDecoder();
        try (java.io.Reader r = new java.io.BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file),
                decoder), 1 << 16)) {
            StringBuilder line = new StringBuilder();
            boolean over = false;
            int c;
            while ((c = r.read()) != -1) {
                if (c == '\n') {
                    lines.add(over ? "" : stripCr(line));
                    if (over) {
                        tooLong.add(lines.size());
                    }
                    line.setLength(0);
                    over = false;
                } else if (!over) {
                    line.append((char) c);
                    if (line.length() > MAX_LINE_CHARS) {
                        over = true;
                        line.setLength(0);
                    }
                }
            }
            if (over || line.length() > 0) {
                lines.add(over ? "" : stripCr(line));
                if (over) {
                    tooLong.add(lines.size());
                }
            }
        } catch (CharacterCodingException e) {
            throw new ImportException(List.of(label + ": not UTF-8 text"), 1);
        }
        return read(file, lines, tooLong, start);
    }

    /** The longest line (one experiment) an import reads: 16 Mi characters. */
    public static final int MAX_LINE_CHARS = 16 << 20;

    private static String stripCr(StringBuilder line) {
        int n = line.length();
        return n > 0 && line.charAt(n - 1) == '\r' ? line.substring(0, n - 1) : line.toString();
    }

    /** {@link #read(Path)} on lines already read; {@code tooLong} numbers the lines that were over the cap. */
    static Prepared read(Path file, List<String> lines, List<Integer> tooLong, long start) throws ImportException {
        String label = file.toString();
        String campaignId = Ids.next("cmp");
        Problems problems = new Problems(label);
        for (int lineNo : tooLong) {
            problems.add(lineNo, "the line is longer than " + MAX_LINE_CHARS + " characters; one experiment must fit in"
                    + " fewer");
        }
        List<Parsed> parsed = new ArrayList<>();
        List<Integer> lineNumbers = new ArrayList<>();
        Map<String, Integer> firstLineOfId = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = i == 0 && lines.get(0).startsWith("\uFEFF") ? lines.get(0).substring(1) : lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            int lineNo = i + 1;
            try {
                JsonNode node;
                try {
                    node = ExperimentLine.JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new BadLine("not valid JSON: " + e.getOriginalMessage());
                }
                Parsed p = ExperimentLine.parse(node, campaignId);
                Integer earlier = firstLineOfId.putIfAbsent(p.experiment().id(), lineNo);
                if (earlier != null) {
                    throw new BadLine("duplicate id \"" + p.experiment().id() + "\" (first on line " + earlier + ")");
                }
                parsed.add(p);
                lineNumbers.add(lineNo);
            } catch (BadLine e) {
                problems.add(lineNo, e.getMessage());
            }
        }
        if (parsed.isEmpty() && problems.total == 0) {
            problems.add(0, "no experiments: the file is empty");
        }
        problems.throwIfAny();

        // Check our definitions (in parallel: each check is independent, and most of an import's
        // time); then, in file order, flag the second of two equal ones.
        List<Experiment> checked = IntStream.range(0, parsed.size()).parallel()
                .mapToObj(k -> check(parsed.get(k).experiment())).toList();
        Counts counts = new Counts();
        List<Experiment> experiments = new ArrayList<>(parsed.size());
        List<Evaluation> evaluations = new ArrayList<>();
        Map<String, String> firstWithHash = new HashMap<>();
        for (int k = 0; k < parsed.size(); k++) {
            experiments.add(count(checked.get(k), counts, firstWithHash, lineNumbers.get(k)));
            evaluations.addAll(parsed.get(k).evaluations());
        }
        List<String> warnings = danglingParents(experiments, lineNumbers, label);
        List<archlab.knowledge.store.Note> notes = parsed.stream().flatMap(p -> p.notes().stream()).toList();
        List<String> stages = parsed.stream().map(Parsed::campaignStages).filter(java.util.Objects::nonNull)
                .findFirst().orElse(null);
        return new Prepared(file, campaignId, parsed.get(0).campaignName(), stages, notes, experiments, lineNumbers,
                evaluations, counts, warnings, start);
    }

    /** A file read and checked, ready to be written into a store. */
    public static final class Prepared {
        private final Path file;
        private final String campaignId;
        private final String firstLineCampaign;
        private final List<String> stages;
        private final List<archlab.knowledge.store.Note> notes;
        private final List<Experiment> experiments;
        private final List<Integer> lineNumbers;
        private final List<Evaluation> evaluations;
        private final Counts counts;
        private final List<String> warnings;
        private final long start;

        private Prepared(Path file, String campaignId, String firstLineCampaign, List<String> stages,
                         List<archlab.knowledge.store.Note> notes, List<Experiment> experiments,
                         List<Integer> lineNumbers, List<Evaluation> evaluations, Counts counts, List<String> warnings,
                         long start) {
            this.file = file;
            this.campaignId = campaignId;
            this.firstLineCampaign = firstLineCampaign;
            this.stages = stages;
            this.notes = notes;
            this.experiments = experiments;
            this.lineNumbers = lineNumbers;
            this.evaluations = evaluations;
            this.counts = counts;
            this.warnings = warnings;
            this.start = start;
        }

        /** How many experiments the file holds. */
        public int size() {
            return experiments.size();
        }

        /**
         * Writes the experiments into a new campaign of {@code store}, in one transaction. Call it once.
         *
         * @param campaignName the new campaign's name; null takes the first line's {@code campaign}
         *                     field, else the file's name without its extension
         * @throws ImportException when a campaign of that name or one of the ids is in the store
         *                         already; nothing was written
         */
        public ImportReport into(Store store, String campaignName) throws ImportException {
            String label = file.toString();
            String name = campaignName;
            if (name == null || name.isBlank()) {
                name = firstLineCampaign;
            }
            if (name == null || name.isBlank()) {
                String fileName = file.getFileName().toString();
                int dot = fileName.lastIndexOf('.');
                name = dot > 0 ? fileName.substring(0, dot) : fileName;
            }
            Optional<Campaign> existing = store.campaigns().findByName(name);
            if (existing.isPresent()) {
                throw new ImportException(List.of(label + ": a campaign named \"" + name + "\" is already in this"
                        + " store (id " + existing.get().id() + "); name the new one with --campaign, or import into"
                        + " another run folder"), 1);
            }
            ObjectNode config = ExperimentLine.JSON.createObjectNode();
            config.put("imported_from", file.toAbsolutePath().normalize().toString());
            config.put("experiments", experiments.size());
            if (stages != null) {
                // the shape of a campaign file's stages, so every reader ranks an import's stages as the original's
                var list = config.putArray("stages");
                stages.forEach(st -> list.addObject().put("name", st));
            }
            Campaign campaign = new Campaign(campaignId, name, config.toString(), "imported", "{}", "{}",
                    CampaignStatus.IMPORTED, null, null);
            Campaign stored;
            try {
                stored = store.inTransaction(tx -> {
                    Campaign c = tx.campaigns().insert(campaign);
                    tx.experiments().insertAll(experiments);
                    tx.evaluations().upsertAll(evaluations);
                    tx.notes().addAll(notes);
                    return c;
                });
            } catch (StoreException e) {
                if (e.isUniqueViolation()) {
                    throw collisions(store, experiments, lineNumbers, label, e);
                }
                throw e;
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            return new ImportReport(stored, experiments.size(), evaluations.size(), counts.trainable, counts.invalid,
                    counts.duplicates, counts.foreign, counts.missing, warnings, millis);
        }
    }

    private static final class Counts {
        int trainable;
        int invalid;
        int duplicates;
        int foreign;
        int missing;
    }

    /** Checks a definition in our language; leaves other languages and missing definitions alone. */
    private static Experiment check(Experiment e) {
        if (e.definition() == null || !Experiment.LANGUAGE_ARCHLAB.equals(e.definitionLanguage())) {
            return e;
        }
        // params and FLOPs from the file stay when the definition does not check
        return e.toBuilder().checkedDefinition(e.definition()).build();
    }

    /** Counts the outcome; the second experiment with a canonical hash is flagged a duplicate of the first. */
    private static Experiment count(Experiment e, Counts counts, Map<String, String> firstWithHash, int lineNo) {
        if (e.definition() == null) {
            counts.missing++;
            return e;
        }
        if (!Experiment.LANGUAGE_ARCHLAB.equals(e.definitionLanguage())) {
            counts.foreign++;
            return e;
        }
        if (!Experiment.CHECK_OK.equals(e.definitionCheck())) {
            counts.invalid++;
            return e;
        }
        String first = firstWithHash.putIfAbsent(e.canonicalHash(), e.id() + " (line " + lineNo + ")");
        if (first != null) {
            counts.duplicates++;
            return e.toBuilder().canonicalHash(null).definition(e.definition(), Experiment.LANGUAGE_ARCHLAB,
                    Experiment.CHECK_DUPLICATE, "same canonical hash as experiment " + first).build();
        }
        counts.trainable++;
        return e;
    }

    private static List<String> danglingParents(List<Experiment> experiments, List<Integer> lineNumbers, String label) {
        Set<String> ids = new HashSet<>();
        experiments.forEach(e -> ids.add(e.id()));
        List<String> warnings = new ArrayList<>();
        int total = 0;
        for (int k = 0; k < experiments.size(); k++) {
            String parent = experiments.get(k).parentId();
            if (parent != null && !ids.contains(parent)) {
                if (++total <= MAX_REPORTED) {
                    warnings.add(label + ":" + lineNumbers.get(k) + ": parent \"" + parent
                            + "\" is not in the file; kept as written");
                }
            }
        }
        if (total > MAX_REPORTED) {
            warnings.add("... and " + (total - MAX_REPORTED) + " more lines whose parent is not in the file");
        }
        return warnings;
    }

    /** After a unique violation: which lines' ids are already in the store (outside the rolled-back transaction). */
    private static ImportException collisions(Store store, List<Experiment> experiments, List<Integer> lineNumbers,
                                              String label, StoreException cause) {
        Problems problems = new Problems(label);
        for (int k = 0; k < experiments.size(); k++) {
            Optional<Experiment> there = store.experiments().find(experiments.get(k).id());
            if (there.isPresent()) {
                String campaign = store.campaigns().find(there.get().campaignId()).map(Campaign::name)
                        .orElse(there.get().campaignId());
                problems.add(lineNumbers.get(k), "id \"" + experiments.get(k).id()
                        + "\" is already in this store (campaign " + campaign + "); import into another run folder");
            }
        }
        if (problems.total == 0) {
            problems.add(0, "the store refused the import: " + cause.getMessage());
        }
        return problems.exception();
    }

    /** Problems found so far, the first {@value #MAX_REPORTED} kept. */
    private static final class Problems {
        private final String label;
        private final List<String> listed = new ArrayList<>();
        private int total;

        Problems(String label) {
            this.label = label;
        }

        void add(int lineNo, String reason) {
            total++;
            if (listed.size() < MAX_REPORTED) {
                listed.add(lineNo > 0 ? label + ":" + lineNo + ": " + reason : label + ": " + reason);
            }
        }

        void throwIfAny() throws ImportException {
            if (total > 0) {
                throw exception();
            }
        }

        ImportException exception() {
            return new ImportException(listed, total);
        }
    }
}
