package archlab.knowledge.mining;

import java.util.Arrays;

/**
 * Pattern codes and the graphs that contain them, in flat arrays: an open-addressing table from code to
 * slot, per-slot figures, and one linked list of graph numbers per slot. Graphs are added one after the
 * other, so "already counted for this graph" is a comparison with the slot's last graph, and support
 * counts graphs, not occurrences.
 */
final class CodeTable {
    private int[] table = new int[1 << 16];
    private int mask = table.length - 1;
    long[] code = new long[1 << 12];
    int[] ops = new int[1 << 12];
    int[] support = new int[1 << 12];
    int[] lastGraph = new int[1 << 12];
    int[] head = new int[1 << 12];
    int[] repGraph = new int[1 << 12];
    int[] repRoot = new int[1 << 12];
    int slots;
    private int[] entryGraph = new int[1 << 14];
    private int[] entryNext = new int[1 << 14];
    private int entries;

    /** Records that graph {@code graph} holds the pattern {@code c} (rooted at {@code root}). */
    void add(long c, int opCount, int graph, int root) {
        int slot = slotOf(c);
        if (slot < 0) {
            slot = newSlot(c, opCount, graph, root);
        }
        if (lastGraph[slot] == graph) {
            return;
        }
        lastGraph[slot] = graph;
        support[slot]++;
        if (entries == entryGraph.length) {
            entryGraph = Arrays.copyOf(entryGraph, entries * 2);
            entryNext = Arrays.copyOf(entryNext, entries * 2);
        }
        entryGraph[entries] = graph;
        entryNext[entries] = head[slot];
        head[slot] = entries + 1; // 0 ends a list
        entries++;
    }

    /** The graphs that hold slot {@code slot}'s pattern, ascending. */
    int[] graphs(int slot) {
        int[] out = new int[support[slot]];
        int n = out.length;
        for (int e = head[slot]; e != 0; e = entryNext[e - 1]) {
            out[--n] = entryGraph[e - 1];
        }
        return out;
    }

    int slotOf(long c) {
        int i = (int) Hash64.mix(c) & mask;
        while (table[i] != 0) {
            int s = table[i] - 1;
            if (code[s] == c) {
                return s;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    private int newSlot(long c, int opCount, int graph, int root) {
        if (slots == code.length) {
            int n = slots * 2;
            code = Arrays.copyOf(code, n);
            ops = Arrays.copyOf(ops, n);
            support = Arrays.copyOf(support, n);
            lastGraph = Arrays.copyOf(lastGraph, n);
            head = Arrays.copyOf(head, n);
            repGraph = Arrays.copyOf(repGraph, n);
            repRoot = Arrays.copyOf(repRoot, n);
        }
        int s = slots++;
        code[s] = c;
        ops[s] = opCount;
        lastGraph[s] = -1;
        head[s] = 0;
        repGraph[s] = graph;
        repRoot[s] = root;
        if (slots * 2 > table.length) {
            rehash();
        } else {
            insert(s);
        }
        return s;
    }

    private void insert(int s) {
        int i = (int) Hash64.mix(code[s]) & mask;
        while (table[i] != 0) {
            i = (i + 1) & mask;
        }
        table[i] = s + 1;
    }

    private void rehash() {
        table = new int[table.length * 2];
        mask = table.length - 1;
        for (int s = 0; s < slots; s++) {
            insert(s);
        }
    }
}
