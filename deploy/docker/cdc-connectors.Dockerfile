# cdc-connectors service image: the jar the Maven build makes and its runtime libraries (target/lib, the jar's
# manifest class path). Not built or run in this repository's CI (no container engine there); see
# deploy/docker/README.md. Build from the repository root after `./mvnw -DskipTests install`:
#   docker build -f deploy/docker/cdc-connectors.Dockerfile -t registry.example.internal/settleflow/cdc-connectors:0.1.0 .
FROM eclipse-temurin:17.0.13_11-jre-noble
RUN groupadd --system --gid 10001 settleflow \
 && useradd --system --uid 10001 --gid settleflow --home-dir /opt/settleflow settleflow
WORKDIR /opt/settleflow
COPY cdc-connectors/target/lib/ /opt/settleflow/lib/
COPY cdc-connectors/target/cdc-connectors.jar /opt/settleflow/cdc-connectors.jar
USER 10001
ENV SETTLEFLOW_HTTP_HOST=0.0.0.0 \
    SETTLEFLOW_HTTP_PORT=8084
EXPOSE 8084
# exec form: the JVM is PID 1 and gets SIGTERM, so the service stops cleanly
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/settleflow/cdc-connectors.jar"]
