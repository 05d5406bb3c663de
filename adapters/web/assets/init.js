// Starts GOV.UK Frontend's components. Pages work without it: it only
// enhances them (error summary focus, radios, buttons). No inline script,
// so the Content Security Policy can forbid it.
import { initAll } from './govuk-frontend/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
