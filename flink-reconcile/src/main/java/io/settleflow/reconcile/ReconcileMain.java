package io.settleflow.reconcile;

import io.settleflow.runtime.ServiceConfig;
import io.settleflow.runtime.Tracing;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads the environment, starts the reconciliation job and its /health, stops on SIGTERM. */
public final class ReconcileMain {
  private static final Logger LOG = LoggerFactory.getLogger(ReconcileMain.class);

  /** OpenTelemetry's service.name unless OTEL_SERVICE_NAME says otherwise. */
  public static final String SERVICE_NAME = "settleflow-flink-reconcile";

  private ReconcileMain() {}

  public static void main(String[] args) throws Exception {
    ReconcileConfig config = ReconcileConfig.from(ServiceConfig.fromEnvironment());
    LOG.info("reconciliation rules {}", config.matcher().rules());
    // before the job: its sinks' serializers mark their spans with it (OTEL_*; nothing exported
    // unless OTEL_TRACES_EXPORTER names an exporter)
    Tracing tracing = Tracing.autoconfigured(SERVICE_NAME);
    ReconcileService service = ReconcileService.start(config, ReconcileKafka.job(config));
    LOG.info(
        "reconciliation running; health on http://{}:{}/health",
        config.httpHost(),
        service.httpPort());
    AtomicBoolean stopping = new AtomicBoolean();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stopping.set(true);
                  try {
                    service.close();
                    LOG.info(
                        "reconciliation stopped; last checkpoint retained under {}",
                        config.checkpointDir());
                  } catch (Exception e) {
                    LOG.error("unclean stop", e);
                  } finally {
                    tracing.close();
                    stopped.countDown();
                  }
                },
                "reconcile-shutdown"));
    // Returns when the job ends: cancelled by the hook above, or failed for good.
    Throwable failure =
        service.job().getJobExecutionResult().handle((result, error) -> error).join();
    if (stopping.get()) {
      stopped.await();
      return;
    }
    LOG.error("reconciliation job ended on its own", failure);
    System.exit(1); // runs the hook, which closes the HTTP server
  }
}
