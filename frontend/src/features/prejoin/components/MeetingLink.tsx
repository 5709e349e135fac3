import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '../../../ui/Button';
import { meetingLink } from '../../home/meetingCode';

/** The meeting's link (`meeting-link`) and a button that copies it (`copy-link`). */
export function MeetingLink({ slug }: { slug: string }) {
  const { t } = useTranslation();
  const link = meetingLink(slug);
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (timer.current !== null) clearTimeout(timer.current);
  }, []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied('copied');
    } catch {
      setCopied('failed');
    }
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = setTimeout(() => setCopied('idle'), 4000);
  };
  return (
    <div className="v-link">
      <p className="v-link__label">{t('prejoin.linkLabel')}</p>
      <div className="v-link__row">
        <span className="v-link__url" data-testid="meeting-link">
          {link}
        </span>
        <Button priority="tertiary" size="sm" icon={copied === 'copied' ? 'check' : 'copy'} data-testid="copy-link" onClick={copy}>
          {t('prejoin.copyLink')}
        </Button>
      </div>
      <p className="v-link__status" role="status">
        {copied === 'copied' ? t('prejoin.linkCopied') : copied === 'failed' ? t('prejoin.linkCopyFailed') : ''}
      </p>
    </div>
  );
}
