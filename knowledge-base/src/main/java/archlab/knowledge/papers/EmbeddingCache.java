package archlab.knowledge.papers;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The on-disk cache of the notes' passage embeddings. One file per (model, passages) pair:
 * {@code paper-embeddings-<key>.bin}, where the key is a SHA-256 of the model id and every passage's text,
 * so any change to a note, to the chunking or to the model makes a new key and the notes are embedded again;
 * an unchanged library is read back in milliseconds. Files are written to a temporary name and moved into
 * place, so a reader never sees half a file; a file that does not match its key is ignored and rewritten.
 * A cache that cannot be written is not an error: the index still works, it just embeds again next time.
 */
final class EmbeddingCache {
    private static final int MAGIC = 0x41504531; // "APE1"
    /** Older cache files beyond this many are deleted when a new one is written. */
    static final int KEEP = 8;

    private EmbeddingCache() {
    }

    /** The cache key of these passages under this model. */
    static String key(String modelId, List<String> passages) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(modelId.getBytes(StandardCharsets.UTF_8));
            for (String p : passages) {
                sha.update((byte) 0);
                sha.update(p.getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path file(Path dir, String key) {
        return dir.resolve("paper-embeddings-" + key.substring(0, 24) + ".bin");
    }

    /** The cached vectors for {@code key}, or {@code null} when absent, unreadable or for other passages. */
    static float[][] read(Path dir, String key, int count) {
        Path file = file(dir, key);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readInt() != MAGIC || !in.readUTF().equals(key)) {
                return null;
            }
            int n = in.readInt();
            int dim = in.readInt();
            if (n != count || dim <= 0 || dim > 1 << 16) {
                return null;
            }
            float[][] vectors = new float[n][dim];
            for (float[] v : vectors) {
                for (int j = 0; j < dim; j++) {
                    v[j] = in.readFloat();
                }
            }
            return vectors;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Writes the vectors; returns whether it worked (a read-only cache folder only costs time). */
    static boolean write(Path dir, String key, float[][] vectors) {
        try {
            Files.createDirectories(dir);
            Path file = file(dir, key);
            Path tmp = Files.createTempFile(dir, "paper-embeddings-", ".tmp");
            try {
                try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
                    out.writeInt(MAGIC);
                    out.writeUTF(key);
                    out.writeInt(vectors.length);
                    out.writeInt(vectors.length == 0 ? 1 : vectors[0].length);
                    for (float[] v : vectors) {
                        for (float x : v) {
                            out.writeFloat(x);
                        }
                    }
                }
                try {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            prune(dir, file);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Deletes all but the {@link #KEEP} most recent cache files (notes edited many times leave old ones). */
    private static void prune(Path dir, Path keep) throws IOException {
        List<Path> files;
        try (var s = Files.list(dir)) {
            files = s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("paper-embeddings-") && n.endsWith(".bin") && !p.equals(keep);
            }).sorted((a, b) -> Long.compare(modified(b), modified(a))).toList();
        }
        for (int i = KEEP - 1; i < files.size(); i++) {
            Files.deleteIfExists(files.get(i));
        }
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
