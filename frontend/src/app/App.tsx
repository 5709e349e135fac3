/** Placeholder shell: the UI (features/, ui/) replaces it on top of meeting/. */
export function App() {
  return (
    <main>
      <h1>Visio</h1>
      <p>Le client web arrive bientôt.</p>
    </main>
  );
}
