package archlab.agent.report;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The report's PNG figures. Charts go through JFreeChart; the lineage tree is drawn directly with
 * Java2D, because no chart library here lays out trees and the tree is a simple layered one.
 */
public final class Figures {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 520;
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0x9467bd), new Color(0xff7f0e), new Color(0x8c564b)};

    private Figures() {
    }

    /** A point on a chart with the id it stands for. */
    public record Point(String id, double x, double y) {
    }

    /** A named line, such as the loss curve of one experiment. */
    public record Line(String name, List<double[]> points) {
    }

    /** Every result in order, and the best so far as a step line. */
    public static void bestSoFar(List<Point> results, String yLabel, Path png) throws IOException {
        XYSeries all = new XYSeries("each experiment");
        XYSeries best = new XYSeries("best so far");
        double b = Double.NEGATIVE_INFINITY;
        for (Point p : results) {
            if (!Double.isFinite(p.y())) {
                continue;
            }
            all.add(p.x(), p.y());
            b = Math.max(b, p.y());
            best.add(p.x(), b);
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(best);
        data.addSeries(all);
        JFreeChart chart = ChartFactory.createXYLineChart("Best fitness so far", "experiment (in order finished)",
                yLabel, data);
        XYPlot plot = chart.getXYPlot();
        XYStepRenderer step = new XYStepRenderer();
        step.setSeriesPaint(0, PALETTE[1]);
        step.setSeriesStroke(0, new BasicStroke(2.5f));
        step.setSeriesShapesVisible(1, false);
        XYLineAndShapeRenderer dots = new XYLineAndShapeRenderer(false, true);
        dots.setSeriesPaint(0, PALETTE[0]);
        plot.setDataset(1, new XYSeriesCollection(all));
        plot.setRenderer(1, dots);
        plot.setDataset(0, new XYSeriesCollection(best));
        plot.setRenderer(0, step);
        style(chart);
        save(chart, png);
    }

    /** Quality against a cost on a log axis, with the Pareto front joined. */
    public static void pareto(List<Point> all, List<Point> front, String xLabel, String yLabel, Path png)
            throws IOException {
        XYSeries points = new XYSeries("experiments");
        all.stream().filter(p -> p.x() > 0 && Double.isFinite(p.y())).forEach(p -> points.add(p.x(), p.y()));
        XYSeries line = new XYSeries("Pareto front", true);
        front.stream().filter(p -> p.x() > 0).forEach(p -> line.add(p.x(), p.y()));
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(line);
        data.addSeries(points);
        JFreeChart chart = ChartFactory.createScatterPlot("Quality against cost", xLabel, yLabel, data);
        XYPlot plot = chart.getXYPlot();
        LogAxis x = new LogAxis(xLabel);
        x.setSmallestValue(1);
        plot.setDomainAxis(x);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer();
        r.setSeriesLinesVisible(0, true);
        r.setSeriesPaint(0, PALETTE[1]);
        r.setSeriesStroke(0, new BasicStroke(2f));
        r.setSeriesLinesVisible(1, false);
        r.setSeriesPaint(1, PALETTE[0]);
        plot.setRenderer(r);
        style(chart);
        save(chart, png);
    }

    /** Training-loss curves, one line each. */
    public static void curves(List<Line> lines, Path png) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Line l : lines) {
            XYSeries s = new XYSeries(l.name(), true, true);
            for (double[] p : l.points()) {
                if (Double.isFinite(p[1])) {
                    s.add(p[0], p[1]);
                }
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Training loss of the top designs", "step", "loss", data);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < lines.size(); i++) {
            r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            r.setSeriesStroke(i, new BasicStroke(1.8f));
        }
        chart.getXYPlot().setRenderer(r);
        style(chart);
        save(chart, png);
    }

    /** A node of a lineage tree: its label, its fitness (null if none) and its parent (null for a root). */
    public record TreeNode(String id, String parentId, String label, Double fitness, boolean highlighted) {
    }

    /**
     * Draws a tree top-down, one row per generation, leaves spread evenly and parents centred over
     * their children; nodes are coloured from red (low fitness) to green (high). Highlighted nodes
     * (the best design's ancestry) get a thick outline.
     */
    public static void tree(List<TreeNode> nodes, String title, Path png) throws IOException {
        Map<String, TreeNode> byId = new HashMap<>();
        Map<String, List<TreeNode>> children = new HashMap<>();
        for (TreeNode n : nodes) {
            byId.put(n.id(), n);
        }
        List<TreeNode> roots = new java.util.ArrayList<>();
        for (TreeNode n : nodes) {
            if (n.parentId() == null || !byId.containsKey(n.parentId())) {
                roots.add(n);
            } else {
                children.computeIfAbsent(n.parentId(), k -> new java.util.ArrayList<>()).add(n);
            }
        }
        Map<String, double[]> at = new HashMap<>();
        double[] nextLeaf = {0};
        int[] depth = {0};
        for (TreeNode r : roots) {
            place(r, 0, children, at, nextLeaf, depth);
        }
        double fMin = nodes.stream().map(TreeNode::fitness).filter(f -> f != null && Double.isFinite(f))
                .mapToDouble(Double::doubleValue).min().orElse(0);
        double fMax = nodes.stream().map(TreeNode::fitness).filter(f -> f != null && Double.isFinite(f))
                .mapToDouble(Double::doubleValue).max().orElse(1);
        int boxW = 150;
        int boxH = 40;
        int gapX = 20;
        int gapY = 50;
        int width = (int) Math.max(400, nextLeaf[0] * (boxW + gapX) + gapX);
        int height = (depth[0] + 1) * (boxH + gapY) + 60;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, gapX, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        FontMetrics fm = g.getFontMetrics();
        java.util.function.Function<String, int[]> center = id -> {
            double[] p = at.get(id);
            return new int[] {(int) (gapX + p[0] * (boxW + gapX) + boxW / 2.0), (int) (50 + p[1] * (boxH + gapY))};
        };
        g.setStroke(new BasicStroke(1.2f));
        g.setColor(Color.GRAY);
        for (TreeNode n : nodes) {
            if (n.parentId() != null && at.containsKey(n.parentId())) {
                int[] a = center.apply(n.parentId());
                int[] b = center.apply(n.id());
                g.drawLine(a[0], a[1] + boxH, b[0], b[1]);
            }
        }
        for (TreeNode n : nodes) {
            int[] c = center.apply(n.id());
            int x = c[0] - boxW / 2;
            g.setColor(fill(n.fitness(), fMin, fMax));
            g.fillRoundRect(x, c[1], boxW, boxH, 8, 8);
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(n.highlighted() ? 3f : 1f));
            g.drawRoundRect(x, c[1], boxW, boxH, 8, 8);
            String label = fit(n.label(), fm, boxW - 8);
            g.drawString(label, x + 4, c[1] + 16);
            String f = n.fitness() == null ? "failed / none" : String.format(java.util.Locale.ROOT, "fitness %.3f", n.fitness());
            g.drawString(f, x + 4, c[1] + 32);
        }
        g.dispose();
        Files.createDirectories(png.toAbsolutePath().getParent());
        javax.imageio.ImageIO.write(img, "png", png.toFile());
    }

    private static double place(TreeNode n, int level, Map<String, List<TreeNode>> children, Map<String, double[]> at,
                                double[] nextLeaf, int[] depth) {
        depth[0] = Math.max(depth[0], level);
        List<TreeNode> kids = children.getOrDefault(n.id(), List.of());
        double x;
        if (kids.isEmpty()) {
            x = nextLeaf[0]++;
        } else {
            double sum = 0;
            for (TreeNode k : kids) {
                sum += place(k, level + 1, children, at, nextLeaf, depth);
            }
            x = sum / kids.size();
        }
        at.put(n.id(), new double[] {x, level});
        return x;
    }

    private static Color fill(Double f, double min, double max) {
        if (f == null || !Double.isFinite(f)) {
            return new Color(0xdddddd);
        }
        double t = max > min ? (f - min) / (max - min) : 1;
        int r = (int) (240 - 120 * t);
        int gr = (int) (140 + 100 * t);
        return new Color(r, gr, 150);
    }

    private static String fit(String s, FontMetrics fm, int width) {
        if (fm.stringWidth(s) <= width) {
            return s;
        }
        String t = s;
        while (t.length() > 1 && fm.stringWidth(t + "…") > width) {
            t = t.substring(0, t.length() - 1);
        }
        return t + "…";
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getPlot().setBackgroundPaint(new Color(0xfafafa));
        chart.setAntiAlias(true);
    }

    private static void save(JFreeChart chart, Path png) throws IOException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
    }
}
