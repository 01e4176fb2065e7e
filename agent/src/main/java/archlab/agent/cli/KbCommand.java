package archlab.agent.cli;

import archlab.knowledge.papers.MiniLmEmbedder;
import archlab.knowledge.papers.PaperIndex;
import archlab.knowledge.papers.PaperNoteException;
import archlab.knowledge.papers.PaperLibrary;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code archlab kb search "QUERY" [--json] [--top K]}: the paper knowledge base. See docs/knowledge.md. */
@Command(
        name = "kb",
        description = "The paper knowledge base: notes on the papers behind the field (knowledge-base/papers/).",
        subcommands = {KbCommand.Search.class})
final class KbCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand; try: archlab kb search \"QUERY\"");
    }

    /** {@code archlab kb search}: ranked notes, semantic and keyword retrieval mixed. */
    @Command(
            name = "search",
            description = {
                "Rank the paper notes by how well they answer QUERY, typically a failure pattern such as"
                    + " \"recall degrades at long sequence length\".",
                "Scores mix semantic similarity (all-MiniLM-L6-v2, in process) and keyword matching (BM25);"
                    + " the note embeddings are cached (docs/knowledge.md).",
            })
    static final class Search implements Callable<Integer> {
        private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

        @Spec
        CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "QUERY",
                description = "What to look for; several words are joined with spaces, so quotes are optional.")
        List<String> words;

        @Option(names = "--json", description = "Print a JSON array of hits on stdout.")
        boolean json;

        @Option(names = "--top", paramLabel = "K", defaultValue = "5", description = "How many notes to show (default: ${DEFAULT-VALUE}).")
        int top;

        @Option(names = "--papers", paramLabel = "DIR",
                description = "Read the notes from DIR (default: knowledge-base/papers of this checkout, else the notes inside archlab's jar).")
        Path papers;

        @Option(names = "--cache-dir", paramLabel = "DIR",
                description = "Keep the note embeddings in DIR (default: $ARCHLAB_CACHE_DIR, else ~/.cache/archlab, subfolder papers).")
        Path cacheDir;

        @Override
        public Integer call() throws JsonProcessingException {
            String query = String.join(" ", words).strip();
            if (query.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "the query is empty; try: archlab kb search \"training diverges\"");
            }
            if (top < 1) {
                throw new ParameterException(spec.commandLine(), "--top must be at least 1, got " + top);
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            PaperLibrary.Contents library;
            try {
                library = PaperLibrary.load(papers);
            } catch (UncheckedIOException e) {
                throw new InvalidInputException(e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
            }
            for (PaperNoteException p : library.problems()) {
                err.println("archlab: warning: skipping a malformed note: " + p.getMessage());
            }
            err.flush();
            if (library.notes().isEmpty()) {
                throw new InvalidInputException("no paper notes found in " + library.origin()
                        + (library.problems().isEmpty() ? "" : " that parse") + "; notes are *.md files in the format of"
                        + " knowledge-base/papers/README.md (choose a folder with --papers DIR)");
            }
            PaperIndex index = PaperIndex.build(library.notes(), MiniLmEmbedder.get(),
                    cacheDir != null ? cacheDir : PaperIndex.defaultCacheDir());
            List<PaperIndex.Hit> hits = index.search(query, top);
            if (json) {
                ArrayNode array = JsonNodeFactory.instance.arrayNode();
                hits.forEach(h -> array.add(toJson(h)));
                out.println(JSON.writeValueAsString(array));
            } else {
                int rank = 0;
                for (PaperIndex.Hit h : hits) {
                    rank++;
                    out.printf(Locale.ROOT, "%2d  %.3f  %s (%d)  [%s]%n", rank, h.score(), h.note().title(),
                            h.note().year(), h.note().slug());
                    if (h.matchedSymptom() != null) {
                        out.printf(Locale.ROOT, "           when: %s%n", h.matchedSymptom());
                    }
                }
            }
            out.flush();
            return ExitCodes.OK;
        }

        static ObjectNode toJson(PaperIndex.Hit h) {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            node.put("slug", h.note().slug());
            node.put("title", h.note().title());
            node.put("year", h.note().year());
            if (h.note().arxiv() != null) {
                node.put("arxiv", h.note().arxiv());
            } else {
                node.putNull("arxiv");
            }
            ArrayNode tags = node.putArray("tags");
            h.note().tags().forEach(tags::add);
            node.put("score", round(h.score()));
            node.put("semantic", round(h.semanticScore()));
            node.put("keyword", round(h.keywordScore()));
            if (h.matchedSymptom() != null) {
                node.put("matched_symptom", h.matchedSymptom());
            } else {
                node.putNull("matched_symptom");
            }
            return node;
        }

        private static double round(double x) {
            return Math.round(x * 10_000) / 10_000.0;
        }
    }
}
