"""The monthly friction report: assembly (pure), rendering (html, pdf, xlsx, csv), delivery."""
