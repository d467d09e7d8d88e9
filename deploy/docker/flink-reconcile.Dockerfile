# flink-reconcile image for the Flink Kubernetes Operator (deploy/k8s/70-flink-reconcile.yaml runs
# it in application mode: jarURI local:///opt/settleflow/flink-reconcile.jar, entryClass
# io.settleflow.reconcile.ReconcileMain). The Flink runtime comes with the base image, so the
# job's libraries go in without Flink's own jars (kept: the Kafka connector and connector-base,
# which the distribution does not ship); the job jar finds the rest through its manifest class
# path (lib/). Not built or run in this repository's CI (no container engine there); see
# deploy/docker/README.md. Build from the repository root after `./mvnw -DskipTests install`:
#   docker build -f deploy/docker/flink-reconcile.Dockerfile -t registry.example.internal/settleflow/flink-reconcile:0.1.0 .
FROM flink:2.1.1-java17
COPY flink-reconcile/target/lib/ /opt/settleflow/lib/
RUN find /opt/settleflow/lib -name 'flink-*.jar' ! -name 'flink-connector-*' -delete
COPY flink-reconcile/target/flink-reconcile.jar /opt/settleflow/flink-reconcile.jar
# the base image's entrypoint starts the JobManager / TaskManager the operator asks for
USER flink
