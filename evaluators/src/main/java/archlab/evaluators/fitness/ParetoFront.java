package archlab.evaluators.fitness;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The designs no other design beats on every objective at once: quality (higher is better) against
 * costs (parameters, FLOPs, seconds; lower is better). Reports and the browser draw it.
 */
public final class ParetoFront {
    private ParetoFront() {
    }

    /** A design with its quality and its costs, in a fixed order of objectives. */
    public record Point(String id, double quality, double[] costs) {
        public Point {
            Objects.requireNonNull(id, "id");
            costs = costs.clone();
        }
    }

    /**
     * The non-dominated points, sorted by the first cost. Points with a non-finite quality or cost are
     * left out: a failed run is on no front. O(n²), which is fine for the thousands of points a
     * campaign report draws.
     */
    public static List<Point> of(List<Point> points) {
        List<Point> finite = points.stream().filter(ParetoFront::finite).toList();
        List<Point> front = new ArrayList<>();
        for (Point p : finite) {
            boolean dominated = false;
            for (Point q : finite) {
                if (q != p && dominates(q, p)) {
                    dominated = true;
                    break;
                }
            }
            if (!dominated) {
                front.add(p);
            }
        }
        front.sort(Comparator.comparingDouble((Point p) -> p.costs().length == 0 ? 0 : p.costs()[0])
                .thenComparing(Point::quality, Comparator.reverseOrder()).thenComparing(Point::id));
        return front;
    }

    /** {@code a} is at least as good on every objective and strictly better on one. */
    static boolean dominates(Point a, Point b) {
        if (a.costs().length != b.costs().length) {
            throw new IllegalArgumentException("points " + a.id() + " and " + b.id() + " have different objectives");
        }
        boolean strictly = a.quality() > b.quality();
        if (a.quality() < b.quality()) {
            return false;
        }
        for (int i = 0; i < a.costs().length; i++) {
            if (a.costs()[i] > b.costs()[i]) {
                return false;
            }
            strictly |= a.costs()[i] < b.costs()[i];
        }
        return strictly;
    }

    private static boolean finite(Point p) {
        if (!Double.isFinite(p.quality())) {
            return false;
        }
        for (double c : p.costs()) {
            if (!Double.isFinite(c)) {
                return false;
            }
        }
        return true;
    }
}
