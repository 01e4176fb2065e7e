package archlab.sandbox.task;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Character-level language modelling on a local UTF-8 text file.
 *
 * <p>The vocabulary is the distinct code points of the file, sorted, one id each. When there are
 * more than {@code maxVocab}, the {@code maxVocab - 1} most frequent are kept (ties go to the
 * lower code point), still sorted, and every other code point maps to one UNK id, the last id. A
 * leading byte-order mark is dropped. The first {@code split} of the code points is the training
 * split and the rest the validation split.
 *
 * <p>A training example is a window of {@code L + 1} code points at a uniformly random start in the
 * training split, drawn from (seed, step, row): inputs are {@code window[0, L)} and targets
 * {@code window[1, L]}. The validation split is cut into {@link #evalWindows()} non-overlapping
 * windows of {@code L + 1}; held-out example {@code e = index * batchSize + row} is window
 * {@code (e * s) mod W}, with {@code s} near {@code 0.618 W} and coprime to it, so any prefix of the
 * held-out examples is spread over the whole split and the first {@code W} cover every window once.
 * Held-out windows do not depend on the seed. Every weight is 1.
 *
 * <p>The file is read and encoded once per (path, size, modification time, maxVocab); later
 * instances share the encoding.
 */
public final class CharLm implements Task {
    public static final String NAME = "charlm";
    public static final int DEFAULT_SEQ_LEN = 128;
    public static final double DEFAULT_SPLIT = 0.9;
    public static final int DEFAULT_MAX_VOCAB = 256;
    /** Ids are stored as 16-bit chars. */
    public static final int MAX_MAX_VOCAB = 1 << 16;

    private final Path path;
    private final int seqLen;
    private final double split;
    private final int maxVocab;
    private final Corpus corpus;
    private final int trainLen;
    private final int valLen;
    private final int windows;
    private final long evalStride;

    public CharLm(Path text) {
        this(text, DEFAULT_SEQ_LEN, DEFAULT_SPLIT, DEFAULT_MAX_VOCAB);
    }

    /**
     * @param text     a UTF-8 text file
     * @param seqLen   {@code L}, at least 1
     * @param split    the fraction of the text used for training, strictly between 0 and 1
     * @param maxVocab the most ids, UNK included; at least 2, at most 65536
     */
    public CharLm(Path text, int seqLen, double split, int maxVocab) {
        if (text == null) {
            throw new IllegalArgumentException("charlm: the text file path is required");
        }
        if (seqLen < 1) {
            throw new IllegalArgumentException("charlm: seq_len must be at least 1, got " + seqLen);
        }
        if (!(split > 0 && split < 1)) {
            throw new IllegalArgumentException("charlm: split (the training fraction) must be strictly between 0 and 1, got "
                    + split);
        }
        if (maxVocab < 2 || maxVocab > MAX_MAX_VOCAB) {
            throw new IllegalArgumentException("charlm: vocab (the most ids, UNK included) must be in [2, "
                    + MAX_MAX_VOCAB + "], got " + maxVocab);
        }
        this.path = text;
        this.seqLen = seqLen;
        this.split = split;
        this.maxVocab = maxVocab;
        this.corpus = Corpus.load(text, maxVocab);
        int n = corpus.ids.length;
        this.trainLen = (int) Math.floor(n * split);
        this.valLen = n - trainLen;
        if (trainLen < seqLen + 1 || valLen < seqLen + 1) {
            long need = (long) Math.ceil((seqLen + 1) / Math.min(split, 1 - split));
            throw new IllegalArgumentException("charlm: text file " + text + " is too short: it has " + n
                    + " characters, so the training split has " + trainLen + " and the validation split " + valLen
                    + "; each needs at least seq_len + 1 = " + (seqLen + 1) + " (with split " + split
                    + ", a file of at least about " + need + " characters)");
        }
        this.windows = valLen / (seqLen + 1);
        this.evalStride = coprimeStride(windows);
    }

    private static long coprimeStride(int w) {
        long s = Math.round(w * 0.6180339887498949);
        while (gcd(s, w) != 1) {
            s++;
        }
        return s % Math.max(w, 1);
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The number of ids: the kept code points, plus one UNK id when some were dropped. */
    @Override
    public int vocab() {
        return corpus.alphabet.length;
    }

    @Override
    public int seqLen() {
        return seqLen;
    }

    public Path path() {
        return path;
    }

    /** The number of code points in the file (without a leading byte-order mark). */
    public int length() {
        return corpus.ids.length;
    }

    public int trainLength() {
        return trainLen;
    }

    public int validationLength() {
        return valLen;
    }

    /** The number of distinct held-out windows; {@code ceil(evalWindows() / batchSize)} batches are one full pass. */
    public int evalWindows() {
        return windows;
    }

    /** The UNK id, or -1 when every code point of the file has its own id. */
    public int unkId() {
        return corpus.unk;
    }

    /** The id of a code point: its own id, or the UNK id; -1 when it has none and there is no UNK id. */
    public int idOf(int codePoint) {
        int i = Arrays.binarySearch(corpus.sorted, codePoint);
        return i >= 0 ? i : corpus.unk;
    }

    /** The code point of an id, or -1 for the UNK id. */
    public int codePointOf(int id) {
        return corpus.alphabet[id];
    }

    public int[] encode(String s) {
        return s.codePoints().map(this::idOf).toArray();
    }

    /** The text of a sequence of ids; the UNK id decodes to U+FFFD. */
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder(ids.length);
        for (int id : ids) {
            int cp = corpus.alphabet[id];
            sb.appendCodePoint(cp < 0 ? 0xFFFD : cp);
        }
        return sb.toString();
    }

    @Override
    public Batch trainBatch(long seed, long step, int batchSize) {
        Seeds.checkBatch(step, batchSize, "step");
        Batch b = empty(batchSize);
        for (int r = 0; r < batchSize; r++) {
            SplittableRandom rng = Seeds.rng(seed, Seeds.TRAIN ^ 0xC1, step, r);
            copyWindow(b, r, rng.nextInt(trainLen - seqLen));
        }
        return b;
    }

    @Override
    public Batch evalBatch(long seed, int index, int batchSize) {
        Seeds.checkBatch(index, batchSize, "index");
        Batch b = empty(batchSize);
        for (int r = 0; r < batchSize; r++) {
            long e = (long) index * batchSize + r;
            long window = (e % windows) * evalStride % windows;
            copyWindow(b, r, trainLen + (int) window * (seqLen + 1));
        }
        return b;
    }

    private Batch empty(int batchSize) {
        long n = (long) batchSize * seqLen;
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("batchSize*seq_len is too large: " + n);
        }
        float[] w = new float[(int) n];
        Arrays.fill(w, 1f);
        return new Batch(batchSize, seqLen, new int[(int) n], new int[(int) n], w);
    }

    private void copyWindow(Batch b, int row, int start) {
        int off = row * seqLen;
        char[] ids = corpus.ids;
        int[] in = b.inputs();
        int[] tg = b.targets();
        for (int i = 0; i < seqLen; i++) {
            in[off + i] = ids[start + i];
            tg[off + i] = ids[start + i + 1];
        }
    }

    @Override
    public String primaryMetric() {
        return "val_loss";
    }

    @Override
    public boolean higherIsBetter() {
        return false;
    }

    @Override
    public Map<String, Double> metrics(double meanLoss, double accuracy) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("val_loss", meanLoss);
        m.put("bpc", meanLoss / Math.log(2));
        m.put("accuracy", accuracy);
        return Collections.unmodifiableMap(m);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("task", NAME);
        c.put("text", path.toString());
        c.put("text_sha256", corpus.sha256);
        c.put("chars", corpus.ids.length);
        c.put("vocab", vocab());
        c.put("max_vocab", maxVocab);
        c.put("unk_id", corpus.unk);
        c.put("seq_len", seqLen);
        c.put("split", split);
        c.put("train_chars", trainLen);
        c.put("val_chars", valLen);
        c.put("eval_windows", windows);
        return Collections.unmodifiableMap(c);
    }

    @Override
    public String toString() {
        return "charlm" + config();
    }

    /** A file, encoded. */
    private static final class Corpus {
        private static final int CACHE_SIZE = 4;
        private static final Map<Key, Corpus> CACHE = new LinkedHashMap<>(8, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Corpus> eldest) {
                return size() > CACHE_SIZE;
            }
        };

        private record Key(Path path, long size, long modifiedNanos, int maxVocab) {}

        /** The ids of the text, in order. */
        final char[] ids;
        /** The code point of each id; -1 for the UNK id. */
        final int[] alphabet;
        /** The kept code points, sorted; the index of a code point here is its id. */
        final int[] sorted;
        final int unk;
        final String sha256;

        private Corpus(char[] ids, int[] alphabet, int[] sorted, int unk, String sha256) {
            this.ids = ids;
            this.alphabet = alphabet;
            this.sorted = sorted;
            this.unk = unk;
            this.sha256 = sha256;
        }

        static Corpus load(Path text, int maxVocab) {
            BasicFileAttributes attrs;
            try {
                attrs = Files.readAttributes(text, BasicFileAttributes.class);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("charlm: text file not found: " + text);
            } catch (IOException e) {
                throw new IllegalArgumentException("charlm: cannot read text file " + text + ": " + e.getMessage(), e);
            }
            if (!attrs.isRegularFile()) {
                throw new IllegalArgumentException("charlm: text path is not a regular file: " + text);
            }
            if (attrs.size() == 0) {
                throw new IllegalArgumentException("charlm: text file is empty: " + text);
            }
            Key key = new Key(text.toAbsolutePath().normalize(), attrs.size(),
                    attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS), maxVocab);
            synchronized (CACHE) {
                Corpus c = CACHE.get(key);
                if (c != null) {
                    return c;
                }
            }
            Corpus c = read(text, maxVocab);
            synchronized (CACHE) {
                CACHE.put(key, c);
            }
            return c;
        }

        private static Corpus read(Path text, int maxVocab) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(text);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("charlm: text file not found: " + text);
            } catch (IOException e) {
                throw new IllegalArgumentException("charlm: cannot read text file " + text + ": " + e.getMessage(), e);
            }
            String s;
            try {
                s = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes))
                        .toString();
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException("charlm: text file is not valid UTF-8: " + text + " (" + e + ")", e);
            }
            if (s.startsWith("\uFEFF")) {
                s = s.substring(1);
            }
            int[] cps = s.codePoints().toArray();
            if (cps.length == 0) {
                throw new IllegalArgumentException("charlm: text file is empty: " + text);
            }
            // Distinct code points and their counts.
            int[] sortedAll = cps.clone();
            Arrays.sort(sortedAll);
            int distinct = 0;
            int[] values = new int[sortedAll.length];
            int[] counts = new int[sortedAll.length];
            for (int i = 0; i < sortedAll.length; i++) {
                if (i == 0 || sortedAll[i] != sortedAll[i - 1]) {
                    values[distinct++] = sortedAll[i];
                }
                counts[distinct - 1]++;
            }
            int[] kept;
            int unk;
            if (distinct <= maxVocab) {
                kept = Arrays.copyOf(values, distinct);
                unk = -1;
            } else {
                // The maxVocab - 1 most frequent; ties go to the lower code point.
                long[] order = new long[distinct];
                for (int i = 0; i < distinct; i++) {
                    order[i] = ((long) (Integer.MAX_VALUE - counts[i]) << 32) | i;
                }
                Arrays.sort(order);
                kept = new int[maxVocab - 1];
                for (int i = 0; i < kept.length; i++) {
                    kept[i] = values[(int) order[i]];
                }
                Arrays.sort(kept);
                unk = maxVocab - 1;
            }
            int[] alphabet = Arrays.copyOf(kept, kept.length + (unk >= 0 ? 1 : 0));
            if (unk >= 0) {
                alphabet[unk] = -1;
            }
            char[] ids = new char[cps.length];
            for (int i = 0; i < cps.length; i++) {
                int j = Arrays.binarySearch(kept, cps[i]);
                ids[i] = (char) (j >= 0 ? j : unk);
            }
            return new Corpus(ids, alphabet, kept, unk, sha256(bytes));
        }

        private static String sha256(byte[] bytes) {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
