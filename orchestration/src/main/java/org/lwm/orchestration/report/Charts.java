package org.lwm.orchestration.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYIntervalSeries;
import org.jfree.data.xy.XYIntervalSeriesCollection;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The report's and notebooks' charts, with JFreeChart and one look (white background, light grid, a 15 pt title):
 * histograms of binned counts, bars of named counts, line series, and a packed row's positions as a grid of
 * coloured cells. {@link #image}, {@link #png} and {@link #dataUri} turn a chart into pixels.
 */
public final class Charts {
  static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
      new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf), new Color(0xbcbd22), new Color(0x7f7f7f)};
  static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 15);

  private Charts() {}

  /** Bars over a histogram's bins. */
  public static JFreeChart histogram(String title, String xLabel, Histogram h) {
    return histograms(title, xLabel, Map.of("rows", h));
  }

  /** Several histograms on one axis, one colour each (e.g. one per target length). */
  public static JFreeChart histograms(String title, String xLabel, Map<String, Histogram> hs) {
    XYIntervalSeriesCollection data = new XYIntervalSeriesCollection();
    for (Map.Entry<String, Histogram> e : hs.entrySet()) {
      XYIntervalSeries s = new XYIntervalSeries(e.getKey());
      Histogram h = e.getValue();
      for (int i = 0; i < h.counts().length; i++) {
        double from = h.lo() + i * h.width();
        s.add(from + h.width() / 2, from, from + h.width(), h.counts()[i], 0, h.counts()[i]);
      }
      data.addSeries(s);
    }
    JFreeChart c = ChartFactory.createXYBarChart(title, xLabel, false, "count", data, PlotOrientation.VERTICAL, hs.size() > 1, false, false);
    XYBarRenderer r = (XYBarRenderer) c.getXYPlot().getRenderer();
    r.setBarPainter(new StandardXYBarPainter());
    r.setShadowVisible(false);
    r.setDrawBarOutline(true);
    for (int i = 0; i < hs.size(); i++) {
      Color col = PALETTE[i % PALETTE.length];
      r.setSeriesPaint(i, hs.size() > 1 ? new Color(col.getRed(), col.getGreen(), col.getBlue(), 170) : col);
      r.setSeriesOutlinePaint(i, Color.WHITE);
    }
    ((NumberAxis) c.getXYPlot().getRangeAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    boolean wholeBins = hs.values().stream().allMatch(h -> h.width() >= 1 && h.width() == Math.rint(h.width()));
    if (wholeBins) ((NumberAxis) c.getXYPlot().getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    return style(c);
  }

  /** One bar per name (in the map's order), horizontal so long names stay readable. */
  public static JFreeChart bars(String title, String valueLabel, Map<String, ? extends Number> values) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    values.forEach((k, v) -> data.addValue(v, valueLabel, k));
    JFreeChart c = ChartFactory.createBarChart(title, null, valueLabel, data, PlotOrientation.HORIZONTAL, false, false, false);
    CategoryPlot p = c.getCategoryPlot();
    BarRenderer r = (BarRenderer) p.getRenderer();
    r.setBarPainter(new StandardBarPainter());
    r.setShadowVisible(false);
    r.setSeriesPaint(0, PALETTE[0]);
    p.setRangeGridlinePaint(Color.LIGHT_GRAY);
    p.setBackgroundPaint(Color.WHITE);
    return style(c);
  }

  /** Line series: each name maps to its points {x[], y[]}. */
  public static JFreeChart lines(String title, String xLabel, String yLabel, Map<String, double[][]> series) {
    XYSeriesCollection data = new XYSeriesCollection();
    for (Map.Entry<String, double[][]> e : series.entrySet()) {
      XYSeries s = new XYSeries(e.getKey(), false, true);
      for (int i = 0; i < e.getValue()[0].length; i++) {
        if (!Double.isNaN(e.getValue()[1][i])) s.add(e.getValue()[0][i], e.getValue()[1][i]);
      }
      data.addSeries(s);
    }
    JFreeChart c = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL, series.size() > 1, false, false);
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
    for (int i = 0; i < series.size(); i++) {
      r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
      r.setSeriesStroke(i, new BasicStroke(2f));
    }
    c.getXYPlot().setRenderer(r);
    ((NumberAxis) c.getXYPlot().getRangeAxis()).setAutoRangeIncludesZero(false);
    return style(c);
  }

  /**
   * Values at positions 0…n−1 laid out row by row, {@code columns} per row (position p at column p % columns,
   * row p / columns, top to bottom), each cell coloured by {@code paint}.
   */
  public static JFreeChart positions(String title, double[] values, int columns, PaintScale paint) {
    double[][] xyz = new double[3][values.length];
    for (int p = 0; p < values.length; p++) {
      xyz[0][p] = p % columns;
      xyz[1][p] = p / columns;
      xyz[2][p] = values[p];
    }
    DefaultXYZDataset data = new DefaultXYZDataset();
    data.addSeries(title, xyz);
    NumberAxis x = new NumberAxis("position % " + columns);
    NumberAxis y = new NumberAxis("position / " + columns);
    y.setInverted(true);
    x.setRange(-0.5, columns - 0.5);
    y.setRange(-0.5, (values.length + columns - 1) / columns - 0.5);
    XYBlockRenderer r = new XYBlockRenderer();
    r.setPaintScale(paint);
    XYPlot p = new XYPlot(data, x, y, r);
    p.setDomainGridlinesVisible(false);
    p.setRangeGridlinesVisible(false);
    p.setBackgroundPaint(Color.WHITE);
    JFreeChart c = new JFreeChart(null, JFreeChart.DEFAULT_TITLE_FONT, p, false);
    c.setTitle(new TextTitle(title));
    return style(c);
  }

  /** Segment ids: 0 (padding) light grey, each example its own colour from the palette. */
  public static PaintScale segmentColours(int maxSegment) {
    return new Scale(0, Math.max(1, maxSegment), v -> v <= 0 ? new Color(0xeeeeee) : PALETTE[((int) v - 1) % PALETTE.length]);
  }

  /** Loss weights: 0 light grey, then light to dark blue up to {@code max}. */
  public static PaintScale weightColours(double max) {
    return new Scale(0, max, v -> {
      if (v <= 0) return new Color(0xeeeeee);
      float t = (float) Math.min(1, v / max);
      return new Color(1 - 0.85f * t, 1 - 0.6f * t, 1 - 0.25f * t);
    });
  }

  record Scale(double lower, double upper, java.util.function.DoubleFunction<Paint> f) implements PaintScale {
    @Override
    public double getLowerBound() {
      return lower;
    }

    @Override
    public double getUpperBound() {
      return upper;
    }

    @Override
    public Paint getPaint(double v) {
      return f.apply(v);
    }
  }

  static JFreeChart style(JFreeChart c) {
    c.setBackgroundPaint(Color.WHITE);
    if (c.getTitle() != null) c.getTitle().setFont(TITLE);
    if (c.getPlot() instanceof XYPlot p) {
      p.setBackgroundPaint(Color.WHITE);
      p.setDomainGridlinePaint(new Color(0xdddddd));
      p.setRangeGridlinePaint(new Color(0xdddddd));
    }
    return c;
  }

  /** The chart drawn at w×h pixels. */
  public static BufferedImage image(JFreeChart c, int w, int h) {
    System.setProperty("java.awt.headless", "true");
    return c.createBufferedImage(w, h);
  }

  public static byte[] png(BufferedImage im) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(im, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** {@code data:image/png;base64,...}: an image inside an HTML page, no file beside it. */
  public static String dataUri(BufferedImage im) {
    return "data:image/png;base64," + Base64.getEncoder().encodeToString(png(im));
  }

  /** Images side by side on white with a caption under each (for frames and their decodings). */
  public static BufferedImage sideBySide(List<BufferedImage> images, List<String> captions) {
    System.setProperty("java.awt.headless", "true");
    int gap = 12;
    int caption = 22;
    int w = gap;
    int h = 0;
    for (BufferedImage im : images) {
      w += im.getWidth() + gap;
      h = Math.max(h, im.getHeight());
    }
    BufferedImage out = new BufferedImage(w, h + caption + 2 * gap, BufferedImage.TYPE_INT_RGB);
    java.awt.Graphics2D g = out.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, out.getWidth(), out.getHeight());
    g.setRenderingHint(java.awt.RenderingHints.KEY_TEXT_ANTIALIASING, java.awt.RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    g.setColor(Color.DARK_GRAY);
    int x = gap;
    for (int i = 0; i < images.size(); i++) {
      g.drawImage(images.get(i), x, gap, null);
      if (i < captions.size()) g.drawString(captions.get(i), x, gap + h + 16);
      x += images.get(i).getWidth() + gap;
    }
    g.dispose();
    return out;
  }

  /** Each frame's original beside its decoding, all in one picture. */
  public static BufferedImage frames(List<org.lwm.vqgan.VisionFrames.Frame> frames) {
    List<BufferedImage> ims = new java.util.ArrayList<>();
    List<String> captions = new java.util.ArrayList<>();
    for (org.lwm.vqgan.VisionFrames.Frame f : frames) {
      ims.add(f.original());
      captions.add("frame " + f.frameIndex() + " original");
      ims.add(f.decoded());
      captions.add("frame " + f.frameIndex() + " decoded");
    }
    return sideBySide(ims, captions);
  }

  /** A packed row's segment ids over its positions (padding grey, one colour per example). */
  public static JFreeChart segmentMap(org.lwm.core.records.PackedRow r) {
    double[] v = new double[r.length()];
    int max = 0;
    for (int p = 0; p < v.length; p++) {
      v[p] = r.segmentIds()[p];
      max = Math.max(max, r.segmentIds()[p]);
    }
    return positions("Row " + r.seqId() + ": segments (" + max + " examples, grey = padding)", v, columns(v.length), segmentColours(max));
  }

  /** A packed row's loss weights over its positions (0 grey, darker blue = more weight per token). */
  public static JFreeChart lossWeightMap(org.lwm.core.records.PackedRow r) {
    double[] v = new double[r.length()];
    double max = 0;
    for (int p = 0; p < v.length; p++) {
      v[p] = r.lossWeight()[p];
      max = Math.max(max, v[p]);
    }
    return positions("Row " + r.seqId() + ": loss weight per position (max " + String.format(java.util.Locale.ROOT, "%.2g", max) + ")", v,
        columns(v.length), weightColours(max > 0 ? max : 1));
  }

  /** A power of two near √(2n): rows about half as many as columns. */
  static int columns(int n) {
    int c = 1;
    while ((long) c * c < 2L * n) c <<= 1;
    return c;
  }
}
