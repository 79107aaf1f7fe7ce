package org.alliancepanel.interop;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.JpaSystemProvider;
import ca.uhn.fhir.jpa.provider.ValueSetOperationProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.net.InetSocketAddress;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/**
 * Starts the HAPI FHIR JPA server configured in {@link JpaServerConfig} on
 * {@code http://127.0.0.1:PORT} (no authentication: loopback only, tests only), with two FHIR
 * bases over the one store: {@code /fhir}, and {@code /fhir-no-transaction}, which refuses
 * transaction Bundles and does not advertise them, as some FHIR stores do (see
 * {@link NoTransactionInterceptor}).
 *
 * <p>Usage: {@code java -jar target/hapi-interop.jar PORT [SMART_CONFIGURATION_URL]}. With the
 * URL, each base's {@code .well-known/smart-configuration} relays that document (see
 * {@link SmartConfigurationServlet}). Prints "HAPI READY" when serving.
 */
public final class HapiLauncher {
  private HapiLauncher() {}

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8090;
    AnnotationConfigApplicationContext spring =
        new AnnotationConfigApplicationContext(JpaServerConfig.class);

    Server jetty = new Server(new InetSocketAddress("127.0.0.1", port));
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    for (String base : new String[] {"/fhir", "/fhir-no-transaction"}) {
      context.addServlet(new ServletHolder(restfulServer(spring, base.equals("/fhir"))),
          base + "/*");
      if (args.length > 1) {
        context.addServlet(new ServletHolder(new SmartConfigurationServlet(args[1])),
            base + "/.well-known/smart-configuration");
      }
    }
    jetty.setHandler(context);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        jetty.stop();
      } catch (Exception ignored) {
        // shutting down anyway
      }
      spring.close();
    }));
    jetty.start();
    System.out.println("HAPI READY http://127.0.0.1:" + port + "/fhir");
    jetty.join();
  }

  private static RestfulServer restfulServer(
      AnnotationConfigApplicationContext spring, boolean transactions) {
    IFhirSystemDao<?, ?> systemDao = spring.getBean(IFhirSystemDao.class);
    RestfulServer fhir = new RestfulServer(systemDao.getContext());
    fhir.registerProviders(spring.getBean(ResourceProviderFactory.class).createProviders());
    fhir.registerProvider(spring.getBean(JpaSystemProvider.class));
    fhir.registerProvider(spring.getBean(ValueSetOperationProvider.class));
    fhir.setServerConformanceProvider(new JpaCapabilityStatementProvider(
        fhir, systemDao, spring.getBean(JpaStorageSettings.class),
        spring.getBean(ISearchParamRegistry.class), spring.getBean(IValidationSupport.class)));
    fhir.setPagingProvider(spring.getBean(DatabaseBackedPagingProvider.class));
    fhir.setDefaultResponseEncoding(EncodingEnum.JSON);
    if (!transactions) {
      fhir.registerInterceptor(new NoTransactionInterceptor());
    }
    return fhir;
  }
}
