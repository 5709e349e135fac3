import { useTranslation } from 'react-i18next';
import { Dialog } from '../../../ui/Dialog';
import { shortcutLabel, SHORTCUTS } from '../../controls/hooks/useKeyboardShortcuts';

/** The keyboard shortcuts, and how to move around by keyboard. */
export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const rows: [string, string][] = [
    [shortcutLabel(SHORTCUTS.microphone), t('shortcuts.microphone')],
    [shortcutLabel(SHORTCUTS.camera), t('shortcuts.camera')],
    [t('shortcuts.tabKey'), t('shortcuts.tab')],
    [t('shortcuts.escapeKey'), t('shortcuts.escape')],
  ];
  return (
    <Dialog open={open} onClose={onClose} title={t('shortcuts.title')} closeLabel={t('shortcuts.close')} data-testid="help-dialog">
      <table className="v-shortcuts">
        <caption className="fr-sr-only">{t('shortcuts.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('shortcuts.keys')}</th>
            <th scope="col">{t('shortcuts.action')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([keys, action]) => (
            <tr key={keys}>
              <td>
                <kbd>{keys}</kbd>
              </td>
              <td>{action}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}
