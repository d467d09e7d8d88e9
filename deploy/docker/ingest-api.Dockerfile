# ingest-api service image: the jar the Maven build makes and its runtime libraries (target/lib, the jar's
# manifest class path). Not built or run in this repository's CI (no container engine there); see
# deploy/docker/README.md. Build from the repository root after `./mvnw -DskipTests install`:
#   docker build -f deploy/docker/ingest-api.Dockerfile -t registry.example.internal/settleflow/ingest-api:0.1.0 .
FROM eclipse-temurin:17.0.13_11-jre-noble
RUN groupadd --system --gid 10001 settleflow \
 && useradd --system --uid 10001 --gid settleflow --home-dir /opt/settleflow settleflow
WORKDIR /opt/settleflow
COPY ingest-api/target/lib/ /opt/settleflow/lib/
COPY ingest-api/target/ingest-api.jar /opt/settleflow/ingest-api.jar
USER 10001
ENV SETTLEFLOW_HTTP_HOST=0.0.0.0 \
    SETTLEFLOW_HTTP_PORT=8080
EXPOSE 8080
# exec form: the JVM is PID 1 and gets SIGTERM, so the service stops cleanly
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/settleflow/ingest-api.jar"]
