// Renders /openapi.json with Swagger UI, all from this origin (no inline script: the page's CSP forbids it).
window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#reference',
  deepLinking: true,
  tryItOutEnabled: false,
  validatorUrl: null,
});
