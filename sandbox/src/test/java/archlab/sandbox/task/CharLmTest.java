package archlab.sandbox.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CharLmTest {
    /** 12 symbols, one of them outside the BMP, so code points and UTF-16 units differ. */
    static final String ALPHABET = "abcdefg \né\u4e2d\uD83D\uDE00";

    @TempDir
    Path dir;

    static String randomText(int codePoints, long seed) {
        int[] cps = ALPHABET.codePoints().toArray();
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < codePoints; i++) {
            sb.appendCodePoint(cps[r.nextInt(cps.length)]);
        }
        return sb.toString();
    }

    Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void vocabularyIsTheSortedDistinctCodePoints() throws IOException {
        String text = randomText(2000, 1);
        CharLm t = new CharLm(write("t.txt", text), 16, 0.9, 256);
        int[] sorted = ALPHABET.codePoints().sorted().toArray();
        assertThat(t.vocab()).isEqualTo(12);
        assertThat(t.unkId()).isEqualTo(-1);
        for (int id = 0; id < sorted.length; id++) {
            assertThat(t.codePointOf(id)).isEqualTo(sorted[id]);
            assertThat(t.idOf(sorted[id])).isEqualTo(id);
        }
        assertThat(t.idOf('\n')).isZero();
        assertThat(t.idOf(0x1F600)).isEqualTo(11);
        assertThat(t.idOf('z')).isEqualTo(-1);
        assertThat(t.decode(t.encode(text))).isEqualTo(text);
        assertThat(t.length()).isEqualTo(2000);
        assertThat(t.trainLength()).isEqualTo(1800);
        assertThat(t.validationLength()).isEqualTo(200);
        assertThat(t.evalWindows()).isEqualTo(200 / 17);
        assertThat(t.primaryMetric()).isEqualTo("val_loss");
        assertThat(t.higherIsBetter()).isFalse();
        assertThat(t.metrics(Math.log(2) * 1.5, 0.4)).containsOnlyKeys("val_loss", "bpc", "accuracy")
                .containsEntry("accuracy", 0.4);
        assertThat(t.metrics(Math.log(2) * 1.5, 0.4).get("bpc")).isCloseTo(1.5, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(t.config()).containsEntry("task", "charlm").containsEntry("vocab", 12).containsEntry("seq_len", 16)
                .containsEntry("train_chars", 1800).containsKey("text_sha256");
    }

    @Test
    void trainingWindowsComeFromTheTrainingSplitAndTargetsAreShiftedInputs() throws IOException {
        String text = randomText(3000, 2);
        CharLm t = new CharLm(write("t.txt", text), 32, 0.8, 256);
        int[] ids = t.encode(text);
        int train = t.trainLength();
        assertThat(train).isEqualTo(2400);
        Set<Integer> starts = new HashSet<>();
        for (int step = 0; step < 20; step++) {
            Batch b = t.trainBatch(4, step, 16);
            assertThat(b.weights()).containsOnly(1f);
            for (int r = 0; r < b.size(); r++) {
                int[] in = Arrays.copyOfRange(b.inputs(), r * 32, r * 32 + 32);
                int[] tg = Arrays.copyOfRange(b.targets(), r * 32, r * 32 + 32);
                assertThat(Arrays.copyOfRange(tg, 0, 31)).isEqualTo(Arrays.copyOfRange(in, 1, 32));
                int start = find(ids, in, tg[31], 0, train);
                assertThat(start).as("window of row %d at step %d lies in the training split", r, step)
                        .isGreaterThanOrEqualTo(0);
                starts.add(start);
            }
        }
        assertThat(starts.size()).isGreaterThan(300);
    }

    /** The start of {@code in + [last]} inside {@code ids[from, to)}, or -1. */
    private static int find(int[] ids, int[] in, int last, int from, int to) {
        outer:
        for (int s = from; s + in.length + 1 <= to; s++) {
            for (int i = 0; i < in.length; i++) {
                if (ids[s + i] != in[i]) {
                    continue outer;
                }
            }
            if (ids[s + in.length] == last) {
                return s;
            }
        }
        return -1;
    }

    @Test
    void heldOutWindowsTileTheValidationSplit() throws IOException {
        String text = randomText(5000, 3);
        CharLm t = new CharLm(write("t.txt", text), 20, 0.9, 256);
        int[] ids = t.encode(text);
        int w = t.evalWindows();
        assertThat(w).isEqualTo(500 / 21);
        Set<Integer> starts = new HashSet<>();
        for (int index = 0; index * 5 < w; index++) {
            Batch b = t.evalBatch(123, index, 5);
            assertThat(b.inputs()).isEqualTo(t.evalBatch(999, index, 5).inputs()); // seed-free
            for (int r = 0; r < 5 && index * 5 + r < w; r++) {
                int[] in = Arrays.copyOfRange(b.inputs(), r * 20, r * 20 + 20);
                int[] tg = Arrays.copyOfRange(b.targets(), r * 20, r * 20 + 20);
                assertThat(Arrays.copyOfRange(tg, 0, 19)).isEqualTo(Arrays.copyOfRange(in, 1, 20));
                int start = find(ids, in, tg[19], t.trainLength(), ids.length);
                assertThat(start).isGreaterThanOrEqualTo(t.trainLength());
                assertThat((start - t.trainLength()) % 21).isZero();
                starts.add(start);
            }
        }
        assertThat(starts).hasSize(w);
        // The first few held-out windows are spread over the split, not bunched at its start.
        Batch first = t.evalBatch(0, 0, 2);
        int a = find(ids, Arrays.copyOfRange(first.inputs(), 0, 20), first.targets()[19], t.trainLength(), ids.length);
        int b2 = find(ids, Arrays.copyOfRange(first.inputs(), 20, 40), first.targets()[39], t.trainLength(), ids.length);
        assertThat(Math.abs(a - b2)).isGreaterThan(t.validationLength() / 4);
    }

    @Test
    void batchesAreDeterministic() throws IOException {
        Path p = write("t.txt", randomText(4000, 4));
        CharLm t = new CharLm(p, 16, 0.9, 256);
        CharLm u = new CharLm(p, 16, 0.9, 256);
        assertThat(u.trainBatch(8, 3, 8).inputs()).isEqualTo(t.trainBatch(8, 3, 8).inputs());
        assertThat(t.trainBatch(8, 4, 8).inputs()).isNotEqualTo(t.trainBatch(8, 3, 8).inputs());
        assertThat(t.trainBatch(9, 3, 8).inputs()).isNotEqualTo(t.trainBatch(8, 3, 8).inputs());
        assertThat(t.evalBatch(8, 3, 8).inputs()).isNotEqualTo(t.trainBatch(8, 3, 8).inputs());
    }

    @Test
    void rareCharactersBeyondTheCapShareTheUnkId() throws IOException {
        // 'a' x 50, 'b' x 40, 'c' x 30, 'd' x 20, 'e' x 10, 'f' x 10, then 'g', 'h' once each.
        StringBuilder sb = new StringBuilder();
        String letters = "abcdef";
        int[] counts = {50, 40, 30, 20, 10, 10};
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < letters.length(); i++) {
                if (round < counts[i]) {
                    sb.append(letters.charAt(i));
                }
            }
        }
        sb.append("gh");
        CharLm t = new CharLm(write("rare.txt", sb.toString()), 4, 0.9, 6);
        assertThat(t.vocab()).isEqualTo(6);
        assertThat(t.unkId()).isEqualTo(5);
        // Kept: the five most frequent, ties to the lower code point (e over f), sorted.
        assertThat(t.idOf('a')).isZero();
        assertThat(t.idOf('e')).isEqualTo(4);
        assertThat(t.idOf('f')).isEqualTo(5);
        assertThat(t.idOf('g')).isEqualTo(5);
        assertThat(t.idOf('z')).isEqualTo(5);
        assertThat(t.codePointOf(5)).isEqualTo(-1);
        assertThat(t.decode(new int[] {0, 5})).isEqualTo("a\uFFFD");
        assertThat(t.config()).containsEntry("unk_id", 5);
    }

    @Test
    void aByteOrderMarkIsDropped() throws IOException {
        CharLm t = new CharLm(write("bom.txt", "\uFEFF" + "ab".repeat(50)), 4, 0.5, 256);
        assertThat(t.vocab()).isEqualTo(2);
        assertThat(t.length()).isEqualTo(100);
    }

    @Test
    void missingEmptyShortAndInvalidFilesAreRejectedByPath() throws IOException {
        Path missing = dir.resolve("nope.txt");
        assertThatThrownBy(() -> new CharLm(missing)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not found").hasMessageContaining(missing.toString());
        Path empty = write("empty.txt", "");
        assertThatThrownBy(() -> new CharLm(empty)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty").hasMessageContaining(empty.toString());
        Path bomOnly = write("bom-only.txt", "\uFEFF");
        assertThatThrownBy(() -> new CharLm(bomOnly)).hasMessageContaining("empty");
        // Shorter than 2 (L + 1): no split can hold a window.
        Path shortFile = write("short.txt", "x".repeat(2 * 17 - 1));
        assertThatThrownBy(() -> new CharLm(shortFile, 16, 0.5, 256)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too short").hasMessageContaining(shortFile.toString());
        // Long enough overall, but a 10 % validation split cannot hold a window of 17.
        Path small = write("small.txt", "x".repeat(100));
        assertThatThrownBy(() -> new CharLm(small, 16, 0.9, 256)).hasMessageContaining("too short")
                .hasMessageContaining("validation split 10");
        assertThat(new CharLm(write("exact.txt", "x".repeat(34)), 16, 0.5, 256).evalWindows()).isEqualTo(1);
        Path dirPath = dir;
        assertThatThrownBy(() -> new CharLm(dirPath)).hasMessageContaining("not a regular file");
        Path bad = dir.resolve("bad.txt");
        Files.write(bad, new byte[] {'a', (byte) 0xC3, 'b'});
        assertThatThrownBy(() -> new CharLm(bad)).hasMessageContaining("not valid UTF-8").hasMessageContaining(bad.toString());
        Path ok = write("ok.txt", "x".repeat(1000));
        assertThatThrownBy(() -> new CharLm(ok, 16, 1.0, 256)).hasMessageContaining("split");
        assertThatThrownBy(() -> new CharLm(ok, 0, 0.9, 256)).hasMessageContaining("seq_len");
        assertThatThrownBy(() -> new CharLm(ok, 16, 0.9, 1)).hasMessageContaining("vocab");
    }

    @Test
    void aChangedFileIsReadAgain() throws IOException {
        Path p = write("changing.txt", "ab".repeat(100));
        assertThat(new CharLm(p, 8, 0.5, 256).vocab()).isEqualTo(2);
        Files.writeString(p, "abc".repeat(100));
        assertThat(new CharLm(p, 8, 0.5, 256).vocab()).isEqualTo(3);
    }

    @Test
    void tinyShakespeareLoadsWithSixtyFiveCharacters() {
        Path p = Path.of("../../shared/data/text/tinyshakespeare.txt");
        Assumptions.assumeTrue(Files.isRegularFile(p),
                "tinyshakespeare is not at " + p.toAbsolutePath().normalize() + " (../shared/data/text/ from the repository root); skipping");
        CharLm t = new CharLm(p);
        assertThat(t.vocab()).isEqualTo(65);
        assertThat(t.unkId()).isEqualTo(-1);
        assertThat(t.seqLen()).isEqualTo(128);
        assertThat(t.trainLength() + t.validationLength()).isEqualTo(t.length());
        Batch b = t.trainBatch(0, 0, 4);
        assertThat(Arrays.stream(b.inputs()).allMatch(id -> id >= 0 && id < 65)).isTrue();
        assertThat(t.decode(Arrays.copyOfRange(b.inputs(), 0, 128))).hasSize(128);
        assertThat(t.evalWindows()).isEqualTo(t.validationLength() / 129);
    }
}
