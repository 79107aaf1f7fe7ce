// The test's hooks into CSIRO's Smart Forms renderer: build a Questionnaire into the renderer's
// store, mount it, export the response. Bundled by build.mjs into bundle/smart-forms.js.
import React from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import {
  BaseRenderer, RendererThemeProvider, buildForm, getResponse, useRendererQueryClient,
} from '@aehrc/smart-forms-renderer';

function Renderer() {
  const queryClient = useRendererQueryClient();
  return (
    <RendererThemeProvider>
      <QueryClientProvider client={queryClient}>
        <BaseRenderer />
      </QueryClientProvider>
    </RendererThemeProvider>
  );
}

let root = null;

window.renderForm = async (questionnaire, terminologyServerUrl) => {
  await buildForm({ questionnaire, terminologyServerUrl });
  if (root === null) {
    root = createRoot(document.getElementById('form'));
    root.render(<Renderer />);
  }
  return true;
};
window.currentResponse = () => getResponse();
