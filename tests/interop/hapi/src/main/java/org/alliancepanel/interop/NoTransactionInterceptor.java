package org.alliancepanel.interop;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.NotImplementedOperationException;
import java.nio.charset.StandardCharsets;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;

/**
 * Makes the server behave like a FHIR server without transaction support (some EHR and
 * companion stores offer batch and single creates only): a {@code transaction} Bundle is
 * refused with 501 Not Implemented and an OperationOutcome, and the CapabilityStatement lists
 * no {@code transaction} interaction (it keeps {@code batch}). Batches and every other
 * interaction work as before. Registered on the launcher's {@code /fhir-no-transaction} base.
 */
@Interceptor
public class NoTransactionInterceptor {

  /** HAPI routes batches and transactions to one method: tell them apart by Bundle.type. */
  @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
  public void refuseTransactions(RequestDetails request, RestOperationTypeEnum operation) {
    if (operation != RestOperationTypeEnum.TRANSACTION
        && operation != RestOperationTypeEnum.BATCH) {
      return;
    }
    String body = new String(request.loadRequestContents(), StandardCharsets.UTF_8);
    EncodingEnum encoding = EncodingEnum.detectEncodingNoDefault(body);
    if (encoding == null) {
      return; // HAPI itself answers 400 for a body it cannot read
    }
    IParser parser = encoding.newParser(request.getFhirContext());
    Bundle bundle = parser.parseResource(Bundle.class, body);
    if (bundle.getType() == Bundle.BundleType.TRANSACTION) {
      throw new NotImplementedOperationException(
          "This server does not support transaction Bundles; send a batch or single requests.");
    }
  }

  @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
  public void advertiseNoTransaction(IBaseConformance capability) {
    if (capability instanceof CapabilityStatement statement) {
      for (CapabilityStatement.CapabilityStatementRestComponent rest : statement.getRest()) {
        // HAPI lists one "transaction" for its method that takes both kinds of Bundle.
        rest.getInteraction().removeIf(interaction -> interaction.getCode()
            == CapabilityStatement.SystemRestfulInteraction.TRANSACTION);
        if (rest.getInteraction().stream().noneMatch(interaction -> interaction.getCode()
            == CapabilityStatement.SystemRestfulInteraction.BATCH)) {
          rest.addInteraction().setCode(CapabilityStatement.SystemRestfulInteraction.BATCH);
        }
      }
    }
  }
}
