package archlab.knowledge.similarity;

import archlab.sandbox.ModelDefinition;
import archlab.sandbox.graph.ArchGraph;
import archlab.sandbox.lang.DefinitionException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The reference architectures (module tests run in knowledge-base/), and variants of them. */
final class Architectures {
    static final Path DIR = Path.of("architectures");
    static final String[] NAMES = {"based", "deltanet", "gla", "hyena", "linear_attention", "mamba", "retnet",
        "transformer"};

    private Architectures() {
    }

    static String source(String name) {
        try {
            return Files.readString(DIR.resolve(name + ".arch"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ArchGraph graph(String source) {
        try {
            return ModelDefinition.parse(source, "test.arch").graph();
        } catch (DefinitionException e) {
            throw new AssertionError(e.getMessage() + "\n" + source, e);
        }
    }

    static ArchGraph reference(String name) {
        return graph(source(name));
    }

    /** The transformer with every value and block renamed and statements reordered: the same computation. */
    static final String RENAMED_TRANSFORMER = """
            arch renamed
            param width = 64
            param nh = 4
            param depth = 2

            block ffn_part(y):
                return y + mlp(rmsnorm(y), 4 * width)

            block attn(u):
                vv = split_heads(linear(u, width), nh)
                kk = rope(split_heads(linear(u, width), nh))
                qq = rope(split_heads(linear(u, width), nh))
                return linear(merge_heads(softmax_attention(qq, kk, vv)), width)

            block blk(z):
                return ffn_part(z + attn(rmsnorm(z)))

            model(tokens):
                e = embed(tokens, width)
                return lm_head(rmsnorm(repeat(depth, blk, e)))
            """;
}
