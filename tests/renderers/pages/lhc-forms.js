// The test's hooks into LHC-Forms (NLM): render a Questionnaire, export the response.
window.renderForm = async (questionnaire) => {
  const container = document.getElementById('form');
  container.replaceChildren();
  await LForms.Util.addFormToPage(questionnaire, container, {prepopulate: false});
  return true;
};
window.currentResponse = () =>
  LForms.Util.getFormFHIRData('QuestionnaireResponse', 'R4', document.getElementById('form'));
