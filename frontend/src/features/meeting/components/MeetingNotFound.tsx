import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { navigate } from '../../../app/router';
import { Button } from '../../../ui/Button';
import { StatusPage } from './StatusPage';

/** `meeting-not-found`: a wrong code, or a meeting that was deleted. */
export function MeetingNotFound({ code }: { code?: string }) {
  const { t } = useTranslation();
  useEffect(() => {
    document.title = t('notFound.documentTitle');
  }, [t]);
  return (
    <StatusPage
      title={t('notFound.title')}
      data-testid="meeting-not-found"
      actions={
        <Button icon="home" onClick={() => navigate('/')}>
          {t('common.backHome')}
        </Button>
      }
    >
      <p>{code !== undefined ? t('notFound.textWithCode', { code }) : t('notFound.text')}</p>
    </StatusPage>
  );
}
