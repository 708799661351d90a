"""The only home of streamlit helpers: cached loaders, filter state, components."""
