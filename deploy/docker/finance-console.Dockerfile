# finance-console service image: the jar the Maven build makes and its runtime libraries (target/lib, the jar's
# manifest class path). Not built or run in this repository's CI (no container engine there); see
# deploy/docker/README.md. Build from the repository root after `./mvnw -DskipTests install`:
#   docker build -f deploy/docker/finance-console.Dockerfile -t registry.example.internal/settleflow/finance-console:0.1.0 .
FROM eclipse-temurin:17.0.13_11-jre-noble
RUN groupadd --system --gid 10001 settleflow \
 && useradd --system --uid 10001 --gid settleflow --home-dir /opt/settleflow settleflow
WORKDIR /opt/settleflow
COPY finance-console/target/lib/ /opt/settleflow/lib/
COPY finance-console/target/finance-console.jar /opt/settleflow/finance-console.jar
USER 10001
ENV SETTLEFLOW_HTTP_HOST=0.0.0.0 \
    SETTLEFLOW_HTTP_PORT=8090
EXPOSE 8090
# exec form: the JVM is PID 1 and gets SIGTERM, so the service stops cleanly
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/settleflow/finance-console.jar"]
