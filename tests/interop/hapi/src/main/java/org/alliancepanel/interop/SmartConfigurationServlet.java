package org.alliancepanel.interop;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Serves {FHIR base}/.well-known/smart-configuration as the authorization server publishes it.
 * A SMART EHR serves this document beside its FHIR API; HAPI's JPA server has no SMART support
 * of its own, so the launcher relays the one oidc-provider publishes (given on the command line).
 */
public class SmartConfigurationServlet extends HttpServlet {
  private final URI source;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public SmartConfigurationServlet(String source) {
    this.source = URI.create(source);
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    try {
      HttpResponse<String> answer = http.send(
          HttpRequest.newBuilder(source).timeout(Duration.ofSeconds(10)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      response.setStatus(answer.statusCode());
      response.setContentType("application/json");
      response.getWriter().write(answer.body());
    } catch (InterruptedException err) {
      Thread.currentThread().interrupt();
      response.sendError(HttpServletResponse.SC_BAD_GATEWAY);
    } catch (IOException err) {
      response.sendError(HttpServletResponse.SC_BAD_GATEWAY, err.getMessage());
    }
  }
}
