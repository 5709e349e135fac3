import { memo, useEffect, useId, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent, type MutableRefObject } from 'react';
import '../chat.css';
import { useTranslation } from 'react-i18next';
import { SignalingError, type ChatMessage, type MeetingState } from '../../../meeting';
import { Icon } from '../../../ui/Icon';
import { SidePanel } from '../../../ui/SidePanel';
import type { MeetingControllerLike } from '../../meeting/controller';
import { useMeetingSelector } from '../../meeting/hooks/useMeeting';

const selectMessages = (s: MeetingState) => s.chat.messages;
const selectUnread = (s: MeetingState) => s.chat.unread;
const selectSelf = (s: MeetingState) => s.selfId;

/** The protocol's limit for one message (code points). */
export const MAX_CHAT_LENGTH = 4000;

export interface ChatPanelProps {
  controller: Pick<MeetingControllerLike, 'subscribe' | 'getSnapshot' | 'sendChat' | 'markChatRead'>;
  onClose: () => void;
  /** Keeps the text being typed while the panel is closed. */
  draft: MutableRefObject<string>;
}

function formatTime(iso: string, language: string | undefined): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleTimeString(language, { hour: '2-digit', minute: '2-digit' });
}

/** The chat: messages (a polite live log) and a field to write. Reading it marks everything read. */
export function ChatPanel({ controller, onClose, draft }: ChatPanelProps) {
  const { t, i18n } = useTranslation();
  const messages = useMeetingSelector(controller, selectMessages);
  const unread = useMeetingSelector(controller, selectUnread);
  const selfId = useMeetingSelector(controller, selectSelf);
  const [text, setText] = useState(draft.current);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const logRef = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const inputId = useId();

  useEffect(() => {
    if (unread > 0) controller.markChatRead();
  }, [controller, unread]);

  useEffect(() => {
    inputRef.current?.focus();
  }, []);

  // Follow new messages, unless the reader scrolled up to read older ones.
  useLayoutEffect(() => {
    const log = logRef.current;
    if (log !== null && stickToBottom.current) log.scrollTop = log.scrollHeight;
  }, [messages]);

  const update = (value: string) => {
    setText(value);
    draft.current = value;
    setError(null);
  };

  const send = async (event?: FormEvent) => {
    event?.preventDefault();
    const message = text.trim();
    if (message === '' || sending) return;
    setSending(true);
    try {
      await controller.sendChat(message);
      update('');
      stickToBottom.current = true;
    } catch (failure) {
      setError(failure instanceof SignalingError && failure.code === 'rate_limited' ? t('errors.rateLimited') : t('chat.sendFailed'));
    } finally {
      setSending(false);
      inputRef.current?.focus();
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  };

  return (
    <SidePanel title={t('chat.title')} closeLabel={t('chat.close')} onClose={onClose} data-testid="chat-panel">
      <div
        ref={logRef}
        className="v-chat__log"
        role="log"
        aria-live="polite"
        aria-label={t('chat.messages')}
        tabIndex={0}
        onScroll={(event) => {
          const el = event.currentTarget;
          stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {messages.length === 0 ? (
          <p className="v-chat__empty">{t('chat.empty')}</p>
        ) : (
          <ol className="v-chat__list fr-raw-list">
            {messages.map((message, i) => (
              <ChatItem
                key={message.id}
                message={message}
                own={message.participant_id === selfId}
                continued={messages[i - 1]?.participant_id === message.participant_id}
                time={formatTime(message.sent_at, i18n.resolvedLanguage)}
                youLabel={t('chat.you')}
              />
            ))}
          </ol>
        )}
      </div>
      <form className="v-chat__form" onSubmit={send}>
        <label htmlFor={inputId} className="fr-sr-only">
          {t('chat.inputLabel')}
        </label>
        <textarea
          ref={inputRef}
          id={inputId}
          className="v-chat__input"
          data-testid="chat-input"
          rows={1}
          maxLength={MAX_CHAT_LENGTH}
          placeholder={t('chat.placeholder')}
          value={text}
          aria-describedby={error !== null ? `${inputId}-error` : undefined}
          onChange={(event) => update(event.target.value)}
          onKeyDown={onKeyDown}
        />
        <button type="submit" className="v-chat__send" data-testid="chat-send" aria-label={t('chat.send')} disabled={text.trim() === ''}>
          <Icon name="send" size="1.25rem" />
        </button>
      </form>
      {error !== null && (
        <p id={`${inputId}-error`} className="v-chat__error" role="alert">
          {error}
        </p>
      )}
    </SidePanel>
  );
}

const ChatItem = memo(function ChatItem({
  message,
  own,
  continued,
  time,
  youLabel,
}: {
  message: ChatMessage;
  own: boolean;
  continued: boolean;
  time: string;
  youLabel: string;
}) {
  const author = own ? youLabel : message.display_name;
  return (
    <li className={`v-chat__item${continued ? ' v-chat__item--continued' : ''}`} data-testid="chat-message" data-participant-id={message.participant_id}>
      <p className={continued ? 'fr-sr-only' : 'v-chat__meta'}>
        <span className="v-chat__author">{author}</span>{' '}
        <time className="v-chat__time" dateTime={message.sent_at}>
          {time}
        </time>
      </p>
      <p className="v-chat__text">{message.text}</p>
    </li>
  );
});
