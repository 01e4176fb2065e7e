package archlab.knowledge.mining;

/** Test helpers that reach into the miner's package. */
final class SubgraphCodeTestSupport {
    private SubgraphCodeTestSupport() {
    }

    /** The member no other member reads. */
    static int root(PatternGraph g, int[] members) {
        java.util.Set<Integer> in = new java.util.HashSet<>();
        for (int m : members) {
            in.add(m);
        }
        for (int m : members) {
            boolean read = false;
            for (int r : g.readers[m]) {
                read |= in.contains(r);
            }
            if (!read) {
                return m;
            }
        }
        throw new AssertionError("no root");
    }
}
