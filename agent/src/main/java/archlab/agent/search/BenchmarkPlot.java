package archlab.agent.search;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * The benchmark's figure: mean best-so-far fitness against evaluations for each strategy, with a band
 * from the 25th to the 75th percentile over seeds, and the table's optimum as a dashed line.
 */
public final class BenchmarkPlot {
    private static final List<Color> COLOURS = List.of(new Color(0xD6, 0x27, 0x28), new Color(0x1F, 0x77, 0xB4),
            new Color(0x7F, 0x7F, 0x7F), new Color(0x2C, 0xA0, 0x2C), new Color(0x94, 0x67, 0xBD),
            new Color(0xFF, 0x7F, 0x0E));

    private BenchmarkPlot() {
    }

    public static void write(Map<String, SearchBenchmark.Summary> results, double optimum, String title, Path png)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        double low = Double.POSITIVE_INFINITY;
        for (SearchBenchmark.Summary s : results.values()) {
            YIntervalSeries series = new YIntervalSeries(s.strategy() + String.format(Locale.ROOT,
                    " (mean %.2f, hit %.2f)", s.meanBest(), s.hitRate()));
            for (int t = 0; t < s.budget(); t++) {
                series.add(t + 1, s.meanCurve()[t], s.lowerCurve()[t], s.upperCurve()[t]);
            }
            // start the axis where the curves have risen a little, so the end of the race is readable
            low = Math.min(low, s.meanCurve()[Math.min(s.budget() - 1, Math.max(0, s.budget() / 10))]);
            data.addSeries(series);
        }
        YIntervalSeries top = new YIntervalSeries("table optimum " + optimum);
        int budget = results.values().iterator().next().budget();
        top.add(1, optimum, optimum, optimum);
        top.add(budget, optimum, optimum, optimum);
        data.addSeries(top);

        DeviationRenderer renderer = new DeviationRenderer(true, false);
        int i = 0;
        for (; i < results.size(); i++) {
            Color c = COLOURS.get(i % COLOURS.size());
            renderer.setSeriesPaint(i, c);
            renderer.setSeriesFillPaint(i, c);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        renderer.setSeriesPaint(i, Color.BLACK);
        renderer.setSeriesStroke(i, new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[] {6f, 4f}, 0f));
        renderer.setAlpha(0.15f);

        NumberAxis x = new NumberAxis("evaluations");
        x.setRange(1, budget);
        NumberAxis y = new NumberAxis("best fitness so far (mean; band: 25th-75th percentile over seeds)");
        y.setAutoRangeIncludesZero(false);
        double span = optimum - low;
        y.setRange(low - 0.05 * Math.max(span, 1e-9), optimum + 0.1 * Math.max(span, 1e-9));
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
        plot.setRangeGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 960, 600);
    }
}
