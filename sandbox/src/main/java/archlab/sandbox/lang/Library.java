package archlab.sandbox.lang;

import archlab.sandbox.lang.Ast.Block;
import archlab.sandbox.lang.Ast.Program;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named blocks that every definition can call without defining them: the standard library, and later
 * the mined subroutines. A library block sees only its own arguments and the built-in params.
 */
public final class Library {
    /** A library block and the file it was read from (for error messages and {@code archlab stdlib}). */
    public record Entry(Block block, String file) {
    }

    public static final Library EMPTY = new Library(Map.of());

    private final Map<String, Entry> blocks;

    private Library(Map<String, Entry> blocks) {
        this.blocks = Collections.unmodifiableMap(new LinkedHashMap<>(blocks));
    }

    /** A library extended with the blocks of a checked library file; a later block replaces an earlier one. */
    public Library plus(Program program, String file) {
        Map<String, Entry> all = new LinkedHashMap<>(blocks);
        for (Block b : program.blocks()) {
            all.put(b.name(), new Entry(b, file));
        }
        return new Library(all);
    }

    public Entry get(String name) {
        return blocks.get(name);
    }

    public boolean contains(String name) {
        return blocks.containsKey(name);
    }

    public Map<String, Entry> blocks() {
        return blocks;
    }
}
