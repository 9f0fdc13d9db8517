package org.lwm.trainer.eval;

import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.xy.DefaultXYZDataset;

/**
 * The needle eval's accuracy grid drawn with JFreeChart: columns are context lengths, rows are needle depths
 * (0 % at the top, as LWM's plots have it), each cell coloured red (0) to green (1) and labelled with its value,
 * with a colour legend. Headless; the image grows with the grid so labels never overlap.
 */
public final class Heatmap {
  private Heatmap() {}

  /** Red at 0 through yellow to green at 1. */
  static final PaintScale ACCURACY = new PaintScale() {
    @Override
    public double getLowerBound() {
      return 0;
    }

    @Override
    public double getUpperBound() {
      return 1;
    }

    @Override
    public Paint getPaint(double a) {
      double v = Math.max(0, Math.min(1, a));
      return Color.getHSBColor((float) (v / 3.0), 0.65f, 0.9f); // hue 0 (red) → 1/3 (green)
    }
  };

  public static JFreeChart chart(NeedleEval.Result r) {
    System.setProperty("java.awt.headless", "true");
    int nl = r.lengths().length;
    int nd = r.depths().length;
    double[][] xyz = new double[3][nl * nd];
    for (int l = 0; l < nl; l++) {
      for (int d = 0; d < nd; d++) {
        int i = l * nd + d;
        xyz[0][i] = l;
        xyz[1][i] = d;
        xyz[2][i] = r.accuracy()[l][d];
      }
    }
    DefaultXYZDataset data = new DefaultXYZDataset();
    data.addSeries("accuracy", xyz);
    String[] lengthLabels = new String[nl];
    for (int l = 0; l < nl; l++) lengthLabels[l] = tokens(r.lengths()[l]);
    String[] depthLabels = new String[nd];
    for (int d = 0; d < nd; d++) depthLabels[d] = r.depths()[d] + "%";
    SymbolAxis x = new SymbolAxis("context length (tokens)", lengthLabels);
    SymbolAxis y = new SymbolAxis("needle depth", depthLabels);
    y.setInverted(true);
    x.setGridBandsVisible(false);
    y.setGridBandsVisible(false);
    XYBlockRenderer cells = new XYBlockRenderer();
    cells.setPaintScale(ACCURACY);
    XYPlot plot = new XYPlot(data, x, y, cells);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinesVisible(false);
    plot.setRangeGridlinesVisible(false);
    plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
    Font valueFont = new Font(Font.SANS_SERIF, Font.BOLD, 13);
    for (int l = 0; l < nl; l++) {
      for (int d = 0; d < nd; d++) {
        XYTextAnnotation t = new XYTextAnnotation(String.format(Locale.ROOT, "%.2f", r.accuracy()[l][d]), l, d);
        t.setFont(valueFont);
        plot.addAnnotation(t);
      }
    }
    JFreeChart chart = new JFreeChart(null, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
    chart.setTitle(new TextTitle("Needle in a haystack: retrieval accuracy", new Font(Font.SANS_SERIF, Font.BOLD, 15)));
    NumberAxis scale = new NumberAxis("accuracy");
    scale.setRange(0, 1);
    scale.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(0.25));
    PaintScaleLegend legend = new PaintScaleLegend(ACCURACY, scale);
    legend.setPosition(RectangleEdge.RIGHT);
    legend.setMargin(new RectangleInsets(8, 8, 8, 8));
    legend.setStripWidth(14);
    chart.addSubtitle(legend);
    chart.setBackgroundPaint(Color.WHITE);
    return chart;
  }

  /** Width and height that keep every cell at least ~90×60 px and the title whole. */
  static int width(NeedleEval.Result r) {
    return Math.max(520, 200 + 90 * r.lengths().length);
  }

  static int height(NeedleEval.Result r) {
    return Math.max(360, 150 + 60 * r.depths().length);
  }

  public static BufferedImage image(NeedleEval.Result r) {
    return chart(r).createBufferedImage(width(r), height(r));
  }

  public static void write(NeedleEval.Result r, Path png) throws IOException {
    ChartUtils.saveChartAsPNG(png.toFile(), chart(r), width(r), height(r));
  }

  /** 2048 → "2K", 1536 → "1536". */
  static String tokens(int n) {
    if (n >= 1024 * 1024 && n % (1024 * 1024) == 0) return n / (1024 * 1024) + "M";
    if (n >= 1024 && n % 1024 == 0) return n / 1024 + "K";
    return Integer.toString(n);
  }
}
