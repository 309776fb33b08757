// Downloads per day as a bar chart drawn in SVG on the server (no chart library, no
// JavaScript needed): the image has a title and a summary for screen readers, each bar a
// tooltip, and the same figures follow as a table.
import { useTranslation } from 'react-i18next';

export interface ChartDay {
  day: string;
  downloads: number;
}

const W = 720;
const H = 220;
const PAD = { top: 16, right: 12, bottom: 36, left: 44 };

export function DownloadsChart({ days, total }: { days: ChartDay[]; total: number }) {
  const { t, i18n } = useTranslation('reuses');
  const lng = i18n.language === 'en' ? 'en-GB' : 'fr-FR';
  const label = (day: string) =>
    new Date(`${day}T12:00:00Z`).toLocaleDateString(lng, { day: 'numeric', month: 'short' });
  const max = Math.max(1, ...days.map((d) => d.downloads));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = days.length ? plotW / days.length : plotW;
  const barW = Math.max(1, step * 0.8);
  const peak = days.reduce<ChartDay | null>(
    (best, d) => (!best || d.downloads > best.downloads ? d : best),
    null,
  );
  const ticks = days.length ? [0, Math.floor((days.length - 1) / 2), days.length - 1] : [];
  return (
    <figure className="usage-chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-labelledby="chart-title chart-desc"
        width="100%"
        preserveAspectRatio="xMidYMid meet"
      >
        <title id="chart-title">{t('usage.chartTitle', { count: days.length })}</title>
        <desc id="chart-desc">
          {t('usage.chartSummary', {
            count: total,
            peak: peak && peak.downloads > 0 ? `${label(peak.day)} (${peak.downloads})` : '—',
          })}
        </desc>
        <line
          x1={PAD.left}
          y1={PAD.top + plotH}
          x2={W - PAD.right}
          y2={PAD.top + plotH}
          stroke="#444"
        />
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={PAD.top + plotH} stroke="#444" />
        <text x={PAD.left - 6} y={PAD.top + 4} textAnchor="end" fontSize="12" fill="#222">
          {max}
        </text>
        <text x={PAD.left - 6} y={PAD.top + plotH} textAnchor="end" fontSize="12" fill="#222">
          0
        </text>
        {days.map((d, i) => {
          const h = (d.downloads / max) * plotH;
          return (
            <rect
              key={d.day}
              data-day={d.day}
              data-downloads={d.downloads}
              x={PAD.left + i * step + (step - barW) / 2}
              y={PAD.top + plotH - h}
              width={barW}
              height={h}
              fill="#1f5f8b"
            >
              <title>{t('usage.barTitle', { date: label(d.day), count: d.downloads })}</title>
            </rect>
          );
        })}
        {ticks.map((i) => (
          <text
            key={i}
            x={PAD.left + i * step + step / 2}
            y={H - 12}
            textAnchor="middle"
            fontSize="12"
            fill="#222"
          >
            {label(days[i]!.day)}
          </text>
        ))}
      </svg>
      <figcaption>{t('usage.chartCaption', { count: total })}</figcaption>
      <details>
        <summary>{t('usage.tableToggle')}</summary>
        <table>
          <caption>{t('usage.tableCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('usage.day')}</th>
              <th scope="col">{t('usage.downloads')}</th>
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                <th scope="row">{d.day}</th>
                <td>{d.downloads}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
