import com.amazon.randomcutforest.config.ForestMode;
import com.amazon.randomcutforest.config.Precision;
import com.amazon.randomcutforest.config.TransformMethod;
import com.amazon.randomcutforest.parkservices.AnomalyDescriptor;
import com.amazon.randomcutforest.parkservices.ThresholdedRandomCutForest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The Random Cut Forest peer of the real-data quality bench: AWS's reference implementation
 * (randomcutforest-core and -parkservices 4.2.0 from Maven Central, Guha et al., ICML 2016), as
 * Amazon OpenSearch's anomaly detection runs it: a ThresholdedRandomCutForest with internal
 * shingling (8), 50 trees of 256 points, normalised input, and its own streaming threshold.
 *
 * Usage: java -cp <jars>:. RcfPeer <list.tsv>, each line "input.csv<TAB>output.csv". Writes per
 * row the raw RCF score and the thresholded forest's anomaly grade (0 when it does not alarm).
 * Missing values are carried forward (the forest needs complete points). Seeded: reproducible.
 */
public final class RcfPeer {
  private static final int SHINGLE = 8;

  public static void main(String[] args) throws IOException {
    for (String line : Files.readAllLines(Path.of(args[0]))) {
      if (line.isBlank()) continue;
      String[] io = line.split("\t");
      run(Path.of(io[0]), Path.of(io[1]));
    }
  }

  private static void run(Path input, Path output) throws IOException {
    List<double[]> rows = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(input)) {
      int p = r.readLine().split(",", -1).length - 1;
      double[] last = new double[p];
      for (String l = r.readLine(); l != null; l = r.readLine()) {
        String[] f = l.split(",", -1);
        double[] x = new double[p];
        for (int j = 0; j < p; j++) {
          String v = f[j + 1];
          x[j] = v.isEmpty() ? last[j] : Double.parseDouble(v);
        }
        last = x;
        rows.add(x);
      }
    }
    int p = rows.isEmpty() ? 1 : rows.get(0).length;
    ThresholdedRandomCutForest forest =
        ThresholdedRandomCutForest.builder()
            .dimensions(p * SHINGLE)
            .shingleSize(SHINGLE)
            .internalShinglingEnabled(true)
            .sampleSize(256)
            .numberOfTrees(50)
            .precision(Precision.FLOAT_32)
            .forestMode(ForestMode.STANDARD)
            .transformMethod(TransformMethod.NORMALIZE)
            .anomalyRate(0.005)
            .randomSeed(17)
            .build();
    Files.createDirectories(output.getParent());
    Path tmp = output.resolveSibling(output.getFileName() + ".tmp");
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(tmp))) {
      w.println("rcf,trcf");
      long t = 0;
      for (double[] x : rows) {
        AnomalyDescriptor d = forest.process(x, t++);
        w.printf("%.6g,%.6g%n", d.getRCFScore(), d.getAnomalyGrade());
      }
    }
    Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
