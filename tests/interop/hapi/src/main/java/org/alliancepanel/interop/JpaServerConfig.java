package org.alliancepanel.interop;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.model.HistoryCountModeEnum;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.binary.api.IBinaryStorageSvc;
import ca.uhn.fhir.jpa.binstore.MemoryBinaryStorageSvcImpl;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import jakarta.persistence.EntityManagerFactory;
import java.util.Properties;
import javax.sql.DataSource;
import org.apache.commons.dbcp2.BasicDataSource;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

/** HAPI's own JPA configuration for R4 plus the few beans a deployment must supply. */
@Configuration
@Import({
  JpaR4Config.class, HapiJpaConfig.class, JpaBatch2Config.class, Batch2JobsConfig.class,
  SubscriptionChannelConfig.class, // in-memory message channels for batch jobs
  ThreadPoolFactoryConfig.class // the thread pool the transaction processor uses
})
public class JpaServerConfig {

  @Bean
  public JpaStorageSettings storageSettings() {
    JpaStorageSettings settings = new JpaStorageSettings();
    settings.setReuseCachedSearchResultsForMillis(null); // every search sees earlier writes
    // The default (CACHED_ONLY_WITHOUT_OFFSET) keeps an instance's history count for 60 s, so
    // a _history read just after an update lists the versions from before it.
    settings.setHistoryCountMode(HistoryCountModeEnum.COUNT_ACCURATE);
    settings.setAllowExternalReferences(true); // companion-store style absolute references
    settings.setEnforceReferentialIntegrityOnWrite(true); // HAPI's default, stated
    return settings;
  }

  @Bean
  public PartitionSettings partitionSettings() {
    return new PartitionSettings();
  }

  @Bean
  public DataSource dataSource() {
    BasicDataSource h2 = new BasicDataSource();
    h2.setDriver(new org.h2.Driver());
    h2.setUrl("jdbc:h2:mem:alliance_interop;DB_CLOSE_DELAY=-1");
    h2.setUsername("sa");
    h2.setPassword("");
    h2.setMaxTotal(20);
    return h2;
  }

  @Bean
  @Primary
  public LocalContainerEntityManagerFactoryBean entityManagerFactory(
      ConfigurableListableBeanFactory beans, FhirContext fhirContext, JpaStorageSettings settings) {
    LocalContainerEntityManagerFactoryBean factory =
        HapiEntityManagerFactoryUtil.newEntityManagerFactory(beans, fhirContext, settings);
    factory.setPersistenceUnitName("HAPI_PU");
    factory.setDataSource(dataSource());
    Properties jpa = new Properties();
    jpa.put("hibernate.dialect", HapiFhirH2Dialect.class.getName());
    jpa.put("hibernate.hbm2ddl.auto", "update");
    jpa.put("hibernate.search.enabled", "false");
    jpa.put("hibernate.format_sql", "false");
    jpa.put("hibernate.show_sql", "false");
    factory.setJpaProperties(jpa);
    return factory;
  }

  @Bean
  @Primary
  public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
    JpaTransactionManager manager = new JpaTransactionManager();
    manager.setEntityManagerFactory(entityManagerFactory);
    return manager;
  }

  @Bean
  public IBinaryStorageSvc binaryStorage() {
    return new MemoryBinaryStorageSvcImpl();
  }
}
