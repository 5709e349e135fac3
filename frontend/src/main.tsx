import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// DSFR, bundled (no CDN): the core (fonts, typography, colours, grid) and
// only the components used, rather than the whole 600 KB dsfr.min.css.
import '@codegouvfr/react-dsfr/dsfr/core/core.main.min.css';
import '@codegouvfr/react-dsfr/dsfr/component/link/link.main.min.css';
import '@codegouvfr/react-dsfr/dsfr/component/button/button.main.min.css';
import '@codegouvfr/react-dsfr/dsfr/component/form/form.main.min.css';
import '@codegouvfr/react-dsfr/dsfr/component/input/input.main.min.css';
import '@codegouvfr/react-dsfr/dsfr/component/select/select.main.min.css';
import '@codegouvfr/react-dsfr/dsfr/component/alert/alert.main.min.css';
import '@codegouvfr/react-dsfr/dsfr/component/badge/badge.main.min.css';
import '@codegouvfr/react-dsfr/dsfr/component/logo/logo.main.min.css';
import '@codegouvfr/react-dsfr/dsfr/component/header/header.main.min.css';
import './app/app.css';
import './ui/ui.css';
import { App } from './app/App';
import { createI18n } from './i18n';

const container = document.getElementById('root');
if (container === null) {
  throw new Error('index.html has no #root element');
}
const i18n = createI18n();
createRoot(container).render(
  <StrictMode>
    <App i18n={i18n} />
  </StrictMode>,
);
