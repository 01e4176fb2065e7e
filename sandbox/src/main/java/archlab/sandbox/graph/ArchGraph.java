package archlab.sandbox.graph;

import java.util.List;
import org.jgrapht.graph.DirectedAcyclicGraph;

/**
 * The analysed form of a definition: a DAG of primitive ops (JGraphT), with its inputs and outputs.
 * The model graph has one input ({@code tokens}) and one output (the logits). A scan's step graph has
 * the state and the per-step slices as inputs, and the new state and the step output as outputs.
 */
public final class ArchGraph {
    private final DirectedAcyclicGraph<OpNode, OperandEdge> dag;
    private final List<OpNode> inputs;
    private final List<OpNode> outputs;

    ArchGraph(DirectedAcyclicGraph<OpNode, OperandEdge> dag, List<OpNode> inputs, List<OpNode> outputs) {
        this.dag = dag;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
    }

    /** The graph itself; an edge runs from an operand to the op that reads it. */
    public DirectedAcyclicGraph<OpNode, OperandEdge> dag() {
        return dag;
    }

    public List<OpNode> inputs() {
        return inputs;
    }

    public List<OpNode> outputs() {
        return outputs;
    }

    public OpNode output() {
        return outputs.get(0);
    }

    /** Ops in a topological order (operands first). */
    public List<OpNode> nodes() {
        return List.copyOf(dag.vertexSet().stream().sorted((a, b) -> Integer.compare(a.id(), b.id())).toList());
    }

    /** An edge carries the operand's position in the reading op's argument list. */
    public record OperandEdge(OpNode from, OpNode to, int index) {
    }
}
