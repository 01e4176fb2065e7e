package archlab.knowledge.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import archlab.knowledge.store.Campaign;
import archlab.knowledge.store.CampaignStatus;
import archlab.knowledge.store.Experiment;
import archlab.knowledge.store.ExperimentQuery;
import archlab.knowledge.store.ExperimentStatus;
import archlab.knowledge.store.PostgresTestDatabase;
import archlab.knowledge.store.Store;
import archlab.knowledge.store.TestData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSONL import and export: the round trip, the checks on definitions, all-or-nothing, errors by line, speed. */
class JsonlTransferTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** A small external campaign with every kind of line the format allows. */
    static List<String> sampleLines() throws IOException {
        List<ObjectNode> lines = new ArrayList<>();
        ObjectNode root = JSON.createObjectNode();
        root.put("id", "root");
        root.put("campaign", "external");
        root.put("name", "baseline");
        root.put("status", "completed"); // a synonym of done
        root.put("fitness", 0.5);
        root.set("hypothesis", JSON.readTree("{\"title\":\"baseline\",\"motivation\":\"reference\","
                + "\"expected_effect\":\"none\",\"confidence\":0.9}"));
        root.put("definition", TestData.tiny(1));
        root.set("metrics", JSON.readTree("{\"mqar\":{\"accuracy\":0.81,\"loss\":1.25}}"));
        root.set("curves", JSON.readTree("{\"mqar\":[{\"step\":0,\"loss\":4.1},{\"step\":10,\"loss\":2.0}]}"));
        root.put("wall_s", 12.5);
        root.put("tokens", 1200);
        root.put("money", 0.02);
        root.put("created_at", "2025-01-31T12:00:00Z");
        root.set("evaluations", JSON.readTree("[{\"stage\":\"s1\",\"seed\":0,\"status\":\"ok\","
                + "\"metrics\":{\"accuracy\":0.8}},{\"stage\":\"s1\",\"seed\":1,\"status\":\"ok\"}]"));
        root.put("optuna_trial", 17); // unknown fields are kept
        root.set("user_attrs", JSON.readTree("{\"gpu\":\"a100\",\"tags\":[\"x\",\"y\"]}"));
        lines.add(root);

        ObjectNode child = JSON.createObjectNode();
        child.put("id", 2);          // an integer id
        child.put("parent", "root");
        child.put("hypothesis", "wider MLP");  // a hypothesis as a bare title
        child.put("definition", TestData.tiny(2));
        child.put("status", "failed");
        child.set("failure", JSON.readTree("{\"kind\":\"oom\",\"message\":\"out of memory\",\"node\":\"mlp\"}"));
        lines.add(child);

        ObjectNode torch = JSON.createObjectNode();
        torch.put("id", "torch-1");
        torch.put("parent", "root");
        torch.put("definition", "class Net(nn.Module):\n    def forward(self, x):\n        return x\n");
        torch.put("definition_language", "PyTorch");
        torch.put("params", 123456);
        torch.put("fitness", 0.7);
        lines.add(torch);

        ObjectNode bare = JSON.createObjectNode();
        bare.put("id", "no-definition");
        bare.put("fitness", 0.1);
        lines.add(bare);

        ObjectNode broken = JSON.createObjectNode();
        broken.put("id", "broken");
        broken.put("definition", TestData.BROKEN);
        broken.put("status", "done");
        lines.add(broken);

        ObjectNode dup = JSON.createObjectNode();
        dup.put("id", "same-as-root");
        dup.put("parent", "ghost"); // not in the file: a warning, not an error
        dup.put("definition", TestData.tiny(1));
        lines.add(dup);

        List<String> out = new ArrayList<>();
        for (ObjectNode n : lines) {
            out.add(JSON.writeValueAsString(n));
        }
        out.add(1, "   "); // blank lines are allowed
        return out;
    }

    private Path file(String name, List<String> lines) throws IOException {
        return Files.write(dir.resolve(name), lines, StandardCharsets.UTF_8);
    }

    private static String export(Store store) throws IOException {
        StringWriter w = new StringWriter();
        JsonlExport.write(store, null, w);
        return w.toString();
    }

    @Test
    void importChecksDefinitionsAndKeepsEverything() throws Exception {
        Path in = file("external.jsonl", sampleLines());
        try (Store store = Store.openRunFolder(dir.resolve("run"))) {
            ImportReport report = JsonlImport.importFile(store, in, null);
            assertThat(report.campaign().name()).isEqualTo("external");
            assertThat(report.campaign().status()).isEqualTo(CampaignStatus.IMPORTED);
            assertThat(report.experiments()).isEqualTo(6);
            assertThat(report.evaluations()).isEqualTo(2);
            assertThat(report.trainable()).isEqualTo(2);
            assertThat(report.invalid()).isEqualTo(1);
            assertThat(report.duplicates()).isEqualTo(1);
            assertThat(report.foreign()).isEqualTo(1);
            assertThat(report.withoutDefinition()).isEqualTo(1);
            assertThat(report.warnings()).singleElement().asString().contains(":7:", "ghost");

            Experiment root = store.experiments().find("root").orElseThrow();
            assertThat(root.status()).isEqualTo(ExperimentStatus.DONE);
            assertThat(root.trainable()).isTrue();
            assertThat(root.canonicalHash()).isNotNull();
            assertThat(root.params()).isPositive();
            assertThat(root.hypothesis().motivation()).isEqualTo("reference");
            assertThat(root.createdAt()).hasToString("2025-01-31T12:00:00Z");
            assertThat(JSON.readTree(root.extra())).isEqualTo(JSON.readTree(
                    "{\"optuna_trial\":17,\"user_attrs\":{\"gpu\":\"a100\",\"tags\":[\"x\",\"y\"]},"
                            + "\"hypothesis\":{\"confidence\":0.9}}"));
            assertThat(store.evaluations().forExperiment("root")).hasSize(2);

            Experiment child = store.experiments().find("2").orElseThrow();
            assertThat(child.hypothesis().title()).isEqualTo("wider MLP");
            assertThat(child.failureKind()).isEqualTo("oom");

            Experiment torch = store.experiments().find("torch-1").orElseThrow();
            assertThat(torch.definitionLanguage()).isEqualTo("pytorch");
            assertThat(torch.definitionCheck()).isNull();
            assertThat(torch.trainable()).isFalse();
            assertThat(torch.params()).isEqualTo(123456);

            Experiment broken = store.experiments().find("broken").orElseThrow();
            assertThat(broken.definitionCheck()).isEqualTo(Experiment.CHECK_INVALID);
            assertThat(broken.definitionErrors()).contains("undefined_name");
            assertThat(broken.trainable()).isFalse();

            Experiment dup = store.experiments().find("same-as-root").orElseThrow();
            assertThat(dup.definitionCheck()).isEqualTo(Experiment.CHECK_DUPLICATE);
            assertThat(dup.definitionErrors()).contains("root (line 1)");
            assertThat(dup.canonicalHash()).isNull();
            assertThat(dup.status()).isEqualTo(ExperimentStatus.PROPOSED);

            assertThat(store.experiments().find("no-definition").orElseThrow().status())
                    .isEqualTo(ExperimentStatus.DONE);
        }
    }

    @Test
    void importExportImportRoundTrips() throws Exception {
        Path in = file("external.jsonl", sampleLines());
        String first;
        try (Store a = Store.openRunFolder(dir.resolve("a"))) {
            JsonlImport.importFile(a, in, null);
            first = export(a);
        }
        Path exported = Files.writeString(dir.resolve("exported.jsonl"), first, StandardCharsets.UTF_8);
        String second;
        try (Store b = Store.openRunFolder(dir.resolve("b"))) {
            ImportReport again = JsonlImport.importFile(b, exported, null);
            assertThat(again.campaign().name()).isEqualTo("external");
            assertThat(again.warnings()).hasSize(1);
            second = export(b);
        }
        assertThat(second).isEqualTo(first);

        // and the export says what the original said, field by field (in our spelling)
        List<String> original = sampleLines().stream().filter(l -> !l.isBlank()).toList();
        List<String> lines = first.lines().toList();
        assertThat(lines).hasSize(original.size());
        JsonNode before = JSON.readTree(original.get(0));
        JsonNode after = JSON.readTree(lines.get(0));
        for (String field : List.of("id", "campaign", "name", "fitness", "hypothesis", "definition", "metrics", "curves",
                "wall_s", "tokens", "money", "optuna_trial", "user_attrs")) {
            assertThat(after.get(field)).as(field).isEqualTo(before.get(field));
        }
        assertThat(after.get("status").asText()).isEqualTo("done");
        assertThat(after.get("created_at").asText()).isEqualTo("2025-01-31T12:00:00Z");
        assertThat(after.get("evaluations")).hasSize(2);
        assertThat(after.get("definition_check").asText()).isEqualTo("ok");
        JsonNode child = JSON.readTree(lines.get(1));
        assertThat(child.get("id").asText()).isEqualTo("2");
        assertThat(child.get("failure")).isEqualTo(JSON.readTree(
                "{\"kind\":\"oom\",\"message\":\"out of memory\",\"node\":\"mlp\"}"));
        assertThat(child.get("hypothesis")).isEqualTo(JSON.readTree("{\"title\":\"wider MLP\"}"));
    }

    /** The same import on PostgreSQL (when one is configured) exports exactly what it does on H2. */
    @Test
    void postgresImportsAndExportsLikeH2() throws Exception {
        Path in = file("external.jsonl", sampleLines());
        String onH2;
        try (Store h2 = Store.openRunFolder(dir.resolve("h2"))) {
            JsonlImport.importFile(h2, in, null);
            onH2 = export(h2);
        }
        try (PostgresTestDatabase db = PostgresTestDatabase.create(); Store pg = Store.open(db.url())) {
            ImportReport report = JsonlImport.importFile(pg, in, null);
            assertThat(report.experiments()).isEqualTo(6);
            assertThat(withoutImportTimes(export(pg))).isEqualTo(withoutImportTimes(onH2));
        }
    }

    /** The export without the timestamps the import set (the file gave no such times). */
    private static List<JsonNode> withoutImportTimes(String jsonl) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : jsonl.lines().toList()) {
            ObjectNode n = (ObjectNode) JSON.readTree(line);
            n.remove("updated_at");
            if (!n.get("id").asText().equals("root")) {
                n.remove("created_at");
            }
            if (n.get("evaluations") != null) {
                n.get("evaluations").forEach(e -> ((ObjectNode) e).remove(List.of("created_at", "updated_at")));
            }
            out.add(n);
        }
        return out;
    }

    @Test
    void csvExportHasFlatColumns() throws Exception {
        Path in = file("external.jsonl", sampleLines());
        StringWriter w = new StringWriter();
        try (Store store = Store.openRunFolder(dir.resolve("run"))) {
            JsonlImport.importFile(store, in, "csv-test");
            assertThat(CsvExport.write(store, null, w)).isEqualTo(6);
        }
        CsvMapper csv = new CsvMapper();
        List<Map<String, String>> rows;
        try (MappingIterator<Map<String, String>> it = csv.readerForMapOf(String.class)
                .with(CsvSchema.emptySchema().withHeader()).readValues(w.toString())) {
            rows = it.readAll();
        }
        assertThat(rows).hasSize(6);
        assertThat(rows.get(0).keySet()).containsExactlyElementsOf(CsvExport.COLUMNS);
        Map<String, String> root = rows.get(0);
        assertThat(root).containsEntry("id", "root").containsEntry("campaign", "csv-test")
                .containsEntry("status", "done").containsEntry("fitness", "0.5")
                .containsEntry("hypothesis_title", "baseline").containsEntry("definition_check", "ok");
        assertThat(JSON.readTree(root.get("metrics"))).isEqualTo(JSON.readTree("{\"mqar\":{\"accuracy\":0.81,\"loss\":1.25}}"));
        assertThat(root.get("canonical_hash")).hasSize(64);
        assertThat(rows.get(2)).containsEntry("definition_language", "pytorch").containsEntry("params", "123456");
    }

    @Test
    void malformedLinesAreReportedByNumberAndNothingIsImported() throws Exception {
        List<String> lines = new ArrayList<>(sampleLines());
        lines.add("{\"id\": \"x1\", \"fitness\": \"high\"}");          // 8
        lines.add("{\"id\": \"x2\", \"status\": \"exploded\"}");       // 9
        lines.add("{not json");                                       // 10
        lines.add("[1, 2]");                                          // 11
        lines.add("{\"name\": \"no id\"}");                           // 12
        lines.add("{\"id\": \"root\"}");                              // 13
        lines.add("{\"id\": \"x3\", \"evaluations\": [{\"stage\": \"s1\"}]}"); // 14
        lines.add("{\"id\": \"x4\", \"created_at\": \"yesterday\"}"); // 15
        lines.add("{\"id\": \"x5\", \"metrics\": [1]}");              // 16
        Path in = file("bad.jsonl", lines);
        try (Store store = Store.openRunFolder(dir.resolve("run"))) {
            assertThatThrownBy(() -> JsonlImport.importFile(store, in, null))
                    .isInstanceOfSatisfying(ImportException.class, e -> {
                        assertThat(e.total()).isEqualTo(9);
                        assertThat(e.problems()).satisfiesExactly(
                                p -> assertThat(p).startsWith(in + ":8: fitness must be a number"),
                                p -> assertThat(p).startsWith(in + ":9: unknown status \"exploded\""),
                                p -> assertThat(p).startsWith(in + ":10: not valid JSON"),
                                p -> assertThat(p).startsWith(in + ":11: expected a JSON object, found an array"),
                                p -> assertThat(p).startsWith(in + ":12: missing id"),
                                p -> assertThat(p).startsWith(in + ":13: duplicate id \"root\" (first on line 1)"),
                                p -> assertThat(p).startsWith(in + ":14: evaluations[0]: seed must be an integer"),
                                p -> assertThat(p).startsWith(in + ":15: created_at is not an ISO-8601 time"),
                                p -> assertThat(p).startsWith(in + ":16: metrics must be an object"));
                    });
            assertThat(store.campaigns().list()).isEmpty();
            assertThat(store.experiments().count(ExperimentQuery.all())).isZero();
        }
    }

    @Test
    void anIdAlreadyInTheStoreStopsTheWholeImport() throws Exception {
        Path in = file("external.jsonl", sampleLines());
        try (Store store = Store.openRunFolder(dir.resolve("run"))) {
            Campaign mine = store.campaigns().insert(Campaign.create("mine", null, "offline"));
            store.experiments().insert(Experiment.builder("torch-1", mine.id()).build());
            assertThatThrownBy(() -> JsonlImport.importFile(store, in, null))
                    .isInstanceOfSatisfying(ImportException.class, e -> assertThat(e.problems()).singleElement()
                            .asString().isEqualTo(in + ":4: id \"torch-1\" is already in this store (campaign mine);"
                                    + " import into another run folder"));
            // the transaction rolled back: no new campaign, no experiment of the file
            assertThat(store.campaigns().list()).extracting(Campaign::name).containsExactly("mine");
            assertThat(store.experiments().count(ExperimentQuery.all())).isEqualTo(1);
            // and the same name twice is refused before anything is written
            JsonlImport.importFile(store, file("other.jsonl", List.of("{\"id\":\"z\"}")), "taken");
            assertThatThrownBy(() -> JsonlImport.importFile(store, file("again.jsonl", List.of("{\"id\":\"y\"}")),
                    "taken")).isInstanceOf(ImportException.class).hasMessageContaining("already in this store");
        }
    }

    @Test
    void emptyAndNonUtf8FilesAreRefused() throws Exception {
        try (Store store = Store.openRunFolder(dir.resolve("run"))) {
            Path empty = file("empty.jsonl", List.of("", "  "));
            assertThatThrownBy(() -> JsonlImport.importFile(store, empty, null))
                    .hasMessage(empty + ": no experiments: the file is empty");
            Path latin1 = Files.write(dir.resolve("latin1.jsonl"), new byte[] {'{', '"', 'i', 'd', '"', ':', '"',
                (byte) 0xE9, '"', '}', '\n'});
            assertThatThrownBy(() -> JsonlImport.importFile(store, latin1, null))
                    .hasMessage(latin1 + ": not UTF-8 text");
        }
    }

    /** 2,000 experiments, each with a definition to check and an evaluation: imports in seconds. */
    @Test
    void twoThousandLinesImportQuickly() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            ObjectNode n = JSON.createObjectNode();
            n.put("id", "exp-" + i);
            if (i > 0) {
                n.put("parent", "exp-" + (i - 1) / 2);
            }
            n.put("name", "candidate " + i);
            n.put("status", i % 10 == 0 ? "failed" : "done");
            n.put("fitness", (i % 97) / 97.0);
            n.set("hypothesis", JSON.readTree("{\"title\":\"variant " + i + "\",\"motivation\":\"wider mlp\"}"));
            n.put("definition", TestData.tiny(i));
            n.set("metrics", JSON.readTree("{\"mqar\":{\"accuracy\":" + (i % 100) / 100.0 + "}}"));
            n.set("evaluations", JSON.readTree("[{\"stage\":\"s1\",\"seed\":0,\"status\":\"ok\"}]"));
            n.put("source_system", "synthetic");
            lines.add(JSON.writeValueAsString(n));
        }
        Path in = file("big.jsonl", lines);
        try (Store store = Store.openRunFolder(dir.resolve("run"))) {
            long start = System.nanoTime();
            ImportReport report = JsonlImport.importFile(store, in, null);
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("import of 2,000 JSONL lines: %d ms (%d experiments, %d trainable, %d evaluations)%n",
                    ms, report.experiments(), report.trainable(), report.evaluations());
            assertThat(report.experiments()).isEqualTo(2000);
            assertThat(report.trainable()).isEqualTo(2000);
            assertThat(report.evaluations()).isEqualTo(2000);
            assertThat(store.experiments().count(ExperimentQuery.campaign(report.campaign().id()))).isEqualTo(2000);
            assertThat(store.experiments().children("exp-0")).extracting(Experiment::id).containsExactly("exp-1", "exp-2");
            long exportStart = System.nanoTime();
            StringWriter w = new StringWriter();
            assertThat(JsonlExport.write(store, report.campaign().id(), w)).isEqualTo(2000);
            System.out.printf("export of 2,000 experiments: %d ms%n", (System.nanoTime() - exportStart) / 1_000_000);
        }
    }
}
