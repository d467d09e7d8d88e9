# streams-risk service image: the jar the Maven build makes and its runtime libraries (target/lib, the jar's
# manifest class path). Not built or run in this repository's CI (no container engine there); see
# deploy/docker/README.md. Build from the repository root after `./mvnw -DskipTests install`:
#   docker build -f deploy/docker/streams-risk.Dockerfile -t registry.example.internal/settleflow/streams-risk:0.1.0 .
FROM eclipse-temurin:17.0.13_11-jre-noble
RUN groupadd --system --gid 10001 settleflow \
 && useradd --system --uid 10001 --gid settleflow --home-dir /opt/settleflow settleflow
RUN mkdir -p /var/lib/settleflow/state && chown 10001:10001 /var/lib/settleflow/state
WORKDIR /opt/settleflow
COPY streams-risk/target/lib/ /opt/settleflow/lib/
COPY streams-risk/target/streams-risk.jar /opt/settleflow/streams-risk.jar
USER 10001
ENV SETTLEFLOW_HTTP_HOST=0.0.0.0 \
    SETTLEFLOW_HTTP_PORT=8080 \
    SETTLEFLOW_RISK_QUERY_PORT=8081 \
    SETTLEFLOW_STATE_DIR=/var/lib/settleflow/state
EXPOSE 8080 8081
# exec form: the JVM is PID 1 and gets SIGTERM, so the service stops cleanly
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/settleflow/streams-risk.jar"]
